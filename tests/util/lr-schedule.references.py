# Reference values for tests/util/lr-schedule.test.ts, from PyTorch's own schedulers (torch.optim.lr_scheduler),
# independent of the TypeScript formulas. Not run by the tests (no Python dependency); to reproduce:
#   python -m venv v && v/bin/pip install --index-url file:///opt/pypi/simple torch
#   v/bin/python tests/util/lr-schedule.references.py
# Version used: torch 2.13.0+cpu.
import torch
from torch.optim.lr_scheduler import ConstantLR, CosineAnnealingLR, LinearLR, StepLR


def rates(lr, make, n):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    sched = make(opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]['lr'])
        opt.step()
        sched.step()
    return out


# Fine-tuning, one rate per epoch (perEpochLr).
# A) cosine, no warm-up: 5 epochs from 1e-3 to the floor 0.01 * 1e-3
print('A', rates(1e-3, lambda o: CosineAnnealingLR(o, T_max=5, eta_min=1e-5), 5))
# B) cosine with 2 warm-up epochs, 6 epochs: warm-up epochs get 1/3 and 2/3 of the peak, then cosine over 4 epochs
print('B warm', rates(1e-3, lambda o: LinearLR(o, start_factor=1 / 3, end_factor=2 / 3, total_iters=1), 2))
print('B cos', rates(1e-3, lambda o: CosineAnnealingLR(o, T_max=4, eta_min=1e-5), 4))
# C) step: halve every 2 epochs
print('C', rates(0.1, lambda o: StepLR(o, step_size=2, gamma=0.5), 6))

# Pre-training, one rate per step from the fractional epoch (perStepLr): 3 epochs of 4 steps, 1 warm-up epoch.
# D) warm-up: a line from 0.001/1 of the peak at step 0 to (1 - 1/4 + 0.001)/1 at step 3
print('D warm', rates(2e-3, lambda o: LinearLR(o, start_factor=1e-3, end_factor=0.751, total_iters=3), 4))
# D) then cosine to 0 over the remaining 2 epochs = 8 steps
print('D cos', rates(2e-3, lambda o: CosineAnnealingLR(o, T_max=8, eta_min=0), 8))
# E) constant after the warm-up
print('E', rates(2e-3, lambda o: ConstantLR(o, factor=1.0, total_iters=0), 3))
