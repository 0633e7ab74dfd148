# Reference values for tests/stats/hierarchical.test.ts, computed independently of the TypeScript code.
# Not run by the tests (no Python dependency); to reproduce the numbers quoted there:
#   python -m venv v && v/bin/pip install --index-url file:///opt/pypi/simple numpy scipy statsmodels
#   v/bin/python tests/stats/hierarchical.references.py
# Versions used: numpy 2.4.6, scipy 1.17.1, statsmodels 0.15.0.
import itertools, math
import numpy as np
from scipy import stats
from statsmodels.stats.weightstats import ttost_paired

def compositions(n):
    # all multiplicity vectors of n draws from n items, with multinomial probabilities
    for c in itertools.combinations_with_replacement(range(n), n):
        m = np.bincount(c, minlength=n)
        p = math.factorial(n) / np.prod([math.factorial(int(k)) for k in m]) / n**n
        yield m, p

# A) colour x method interaction on the per-dataset TL-SSL (points): ideal (exact) bootstrap
c = np.array([-3.7, -3.7, 0.0, -15.5]); g = np.array([-2.0, -3.5, -8.2, -9.5, 0.0, -4.0, 0.1])
cm = [(m @ c / 4, p) for m, p in compositions(4)]
gm = [(m @ g / 7, p) for m, p in compositions(7)]
vals = np.array([a - b for a, _ in cm for b, _ in gm]); probs = np.array([pa * pb for _, pa in cm for _, pb in gm])
o = np.argsort(vals); vs, ps = vals[o], np.cumsum(probs[o])
q = lambda a: vs[np.searchsorted(ps, a)]
print('A estimate', c.mean() - g.mean(), 'colour', c.mean(), 'grey', g.mean())
print('A exact P(<=0)', probs[vals <= 1e-12].sum(), 'P(>=0)', probs[vals >= -1e-12].sum())
print('A exact q.025 q.975', q(0.025), q(0.975), 'var', c.var() / 4 + g.var() / 7, 'sd', math.sqrt(c.var() / 4 + g.var() / 7))
cv = np.array([a for a, _ in cm]); cp = np.array([p for _, p in cm])
print('A colour simple: P(>=0)', cp[cv >= -1e-12].sum(), 'sd', math.sqrt(c.var() / 4))

# B) exact bootstrap variance of the 4-level design x[k,p,f,i] = 0.1k + 0.4((p+k) % 2) + 2((3p+5f) % 7)/7 + ((11i+k) % 13)/13
K, P, F, N = 4, 2, 3, 5
x = np.array([[[[0.1*k + 0.4*((p + k) % 2) + 2*((3*p + 5*f) % 7) / 7 + ((11*i + k) % 13) / 13 for i in range(N)] for f in range(F)] for p in range(P)] for k in range(K)])
def V(a):  # nested all-levels bootstrap variance of the mean of a (children along axis 0)
    if a.ndim == 1: return a.var() / len(a)
    means = np.array([np.mean(ch) for ch in a])
    return (means.var() + np.mean([V(ch) for ch in a])) / len(a)
print('B nested var', V(x), 'estimate', x.mean())
# shared images: within a dataset draw, one image resample for all seed cells
def Vseeds(a):  # variance over seed levels only (a[p,f] scalars)
    means = a.mean(axis=1)
    return (means.var() + np.mean([r.var() / len(r) for r in a])) / len(a)
def Vshared(d):  # d[p,f,i]
    m = d.mean(axis=2); r = d - m[:, :, None]
    A = Vseeds(m)
    Er2 = [Vseeds(r[:, :, i]) + r[:, :, i].mean() ** 2 for i in range(d.shape[2])]
    return A + np.mean(Er2) / d.shape[2]
dm = np.array([x[k].mean() for k in range(K)])
print('B shared var', (dm.var() + np.mean([Vshared(x[k]) for k in range(K)])) / K)
print('B datasets-only var', dm.var() / K)

# C) TOST: statsmodels ttost_paired on 40 dataset-level effects vs bootstrap TOST
rng = np.random.default_rng(11)
d = np.round(rng.normal(0.04, 0.02, 40), 4)
print('C data', ','.join(f'{v:g}' for v in d))
pv, (t1, p1, df1), (t2, p2, df2) = ttost_paired(d, np.zeros_like(d), 0.035, 0.042)
print('C ttost_paired p', pv, 'p_low', p1, 'p_high', p2, 'mean', d.mean(), 'sd', d.std(ddof=1))
se = d.std(ddof=0) / math.sqrt(len(d))  # bootstrap plug-in SE
print('C normal plug-in p_low', stats.norm.sf((d.mean() - 0.035) / se), 'p_high', stats.norm.cdf((d.mean() - 0.042) / se))
print('C one-sided >= 0.035: t p', stats.ttest_1samp(d, 0.035, alternative='greater').pvalue)

# D) between-dataset SE: 20 dataset effects, within-dataset spread tiny
e = np.round(np.random.default_rng(5).normal(0.0, 1.0, 20), 3)
print('D data', ','.join(f'{v:g}' for v in e))
print('D analytic SE of mean over datasets', e.std(ddof=1) / math.sqrt(20), 'plug-in', e.std(ddof=0) / math.sqrt(20))
