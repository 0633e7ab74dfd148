// Tests that need a real dataset from the shared folder skip (with a printed reason) where it is not there.
import { locateDataset } from '../../lib/data/locate';

/** The ids among `ids` whose dataset file cannot be found (lib/data/locate's search). */
export function missingDatasets(ids: readonly string[]): string[] {
  return ids.filter((id) => {
    try {
      locateDataset(id);
      return false;
    } catch {
      return true;
    }
  });
}
