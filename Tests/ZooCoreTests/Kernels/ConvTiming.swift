// Conv3x3 timing (batch 8; the benchmark's four shapes). Runs only with ZOO_TIMING set, in a release build:
//   ZOO_TIMING=1 flock /tmp/zoo-build.lock swift test -c release --filter ConvTiming
// Prints median and best milliseconds for forward and forward+backward (dx and dw).

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

private let timingEnabled = ProcessInfo.processInfo.environment["ZOO_TIMING"] != nil

private func milliseconds(repeats: Int, _ body: () -> Void) -> (median: Double, best: Double) {
    body()
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    times.sort()
    return (times[times.count / 2], times[0])
}

@Suite(.serialized) struct ConvTiming {
    @Test(.enabled(if: timingEnabled))
    func conv3x3Batch8() {
        let repeats = Int(ProcessInfo.processInfo.environment["ZOO_TIMING_REPEATS"] ?? "") ?? 15
        print("OpenBLAS \(BLAS.coreName), \(BLAS.threadCount) threads, \(Parallel.coreCount) cores")
        for (channels, size) in [(48, 64), (96, 32), (192, 16), (384, 8)] {
            var rng = RandomGenerator(seed: 1)
            let x = Tensor(shape: [8, channels, size, size], scalars: (0..<(8 * channels * size * size)).map { _ in rng.uniform(-1, 1) })
            let w = Tensor(shape: [channels, channels, 3, 3], scalars: (0..<(channels * channels * 9)).map { _ in rng.uniform(-0.1, 0.1) })
            let forward = milliseconds(repeats: repeats) { _ = noGrad { conv2d(x, w, padding: (1, 1)) } }
            let xg = x.requiringGrad(), wg = w.requiringGrad()
            let seed = Tensor.ones([8, channels, size, size])
            let both = milliseconds(repeats: repeats) {
                let y = conv2d(xg, wg, padding: (1, 1))
                _ = gradients(of: y, wrt: [xg, wg], seed: seed)
            }
            let gflop = 2.0 * 8 * Double(channels * channels * 9 * size * size) / 1e9
            let g = convGeometry(x: x, weight: w, stride: [1, 1], padding: .explicit([(1, 1), (1, 1)]), dilation: [1, 1],
                                 rank: 2, name: "timing")
            let out = Tensor.uninitialized(x.shape), dw = Tensor.uninitialized(w.shape)
            let inputGrad = milliseconds(repeats: repeats) {
                Kernels.convolutionInputGrad(x.storage.pointer, w.storage.pointer, bias: nil, g, into: out.storage.pointer)
            }
            let weightGrad = milliseconds(repeats: repeats) {
                Kernels.convolutionWeightGrad(x.storage.pointer, x.storage.pointer, g, into: dw.storage.pointer)
            }
            print(String(format: "conv3x3 %3d ch %2dx%-2d  forward %6.2f ms (best %6.2f, %5.1f GFLOP/s)   forward+backward %6.2f ms (best %6.2f, %5.1f GFLOP/s)",
                         channels, size, size, forward.median, forward.best, gflop / forward.best * 1e3,
                         both.median, both.best, 3 * gflop / both.best * 1e3)
                  + String(format: "   kernels: input grad %6.2f ms, weight grad %6.2f ms (medians)", inputGrad.median, weightGrad.median))
        }
    }
}
