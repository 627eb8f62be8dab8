"""docs/distributed.md's cost model: one RVD bair64 step on N hosts, ring allreduce of the gradients, no
overlap with the backward pass. usage: python3 Tools/distributed/costmodel.py COMPUTE_SECONDS_PER_STEP"""
import sys

compute = float(sys.argv[1])      # measured seconds per step of one rank (1 rank x 2 threads, 2 clips)
parameters = 37_611_414           # RVD bair64
size = parameters * 4             # bytes of Float32 gradients per step
calls = 8                         # allreduce calls per step (measured: 25 MiB buckets in parameter order)
alpha = 20e-6                     # seconds of latency per message (TCP over Ethernet)
efficiency = 0.9                  # fraction of the line rate achieved

print(f"S = {size / 1e6:.1f} MB, {calls} calls per step")
print("| ranks N | network | bytes sent per rank | bandwidth term | latency term | allreduce | step | efficiency "
      "| clips/s | compute per step at which the allreduce is 10% |")
print("|---|---|---|---|---|---|---|---|---|---|")
for n in [8, 64, 512]:
    for gbit in [10, 100]:
        bandwidth = gbit * 1e9 / 8 * efficiency
        sent = 2 * (n - 1) / n * size
        bandwidth_term = sent / bandwidth
        latency_term = calls * 2 * (n - 1) * alpha
        allreduce = bandwidth_term + latency_term
        step = compute + allreduce
        print(f"| {n} | {gbit} Gbit/s | {sent / 1e6:.0f} MB | {bandwidth_term:.3f} s | {latency_term:.3f} s "
              f"| {allreduce:.3f} s | {step:.2f} s | {compute / step * 100:.1f}% | {2 * n / step:.2f} | {9 * allreduce:.2f} s |")
