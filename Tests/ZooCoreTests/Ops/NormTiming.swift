// Timing of GroupNorm(8) + LeakyReLU(0.2) on (8, 48, 64, 64), the benchmark row. Runs only with
// ZOO_TIMING set, in a release build:
//   ZOO_TIMING=1 swift test -c release --filter NormTiming

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

/// "median (min)" wall time in milliseconds of `body` over `runs` runs, after `warmup` runs.
private func milliseconds(runs: Int = 40, warmup: Int = 5, _ body: () -> Void) -> String {
    for _ in 0..<warmup { body() }
    var times: [Double] = []
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    times.sort()
    return String(format: "%.3f (min %.3f)", times[runs / 2], times[0])
}

@Suite struct NormTiming {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["ZOO_TIMING"] != nil))
    func groupNormLeakyReluTiming() {
        var rng = RandomGenerator(seed: 1)
        let shape = [8, 48, 64, 64]
        let n = shape.reduce(1, *)
        let x = Tensor(shape: shape, scalars: (0..<n).map { _ in rng.normal() })
        let seed = Tensor(shape: shape, scalars: (0..<n).map { _ in rng.normal() })
        let w = Tensor((0..<48).map { _ in 1 + 0.1 * rng.normal() }), b = Tensor((0..<48).map { _ in 0.1 * rng.normal() })
        let xg = x.requiringGrad(), wg = w.requiringGrad(), bg = b.requiringGrad()

        let fusedForward = milliseconds { _ = noGrad { groupNormLeakyRelu(x, groups: 8, weight: w, bias: b, negativeSlope: 0.2) } }
        let splitForward = milliseconds {
            _ = noGrad { leakyRelu(groupNorm(x, groups: 8, weight: w, bias: b), negativeSlope: 0.2) }
        }
        let fusedBoth = milliseconds {
            let y = groupNormLeakyRelu(xg, groups: 8, weight: wg, bias: bg, negativeSlope: 0.2)
            _ = gradients(of: y, wrt: [xg, wg, bg], seed: seed)
        }
        let splitBoth = milliseconds {
            let y = leakyRelu(groupNorm(xg, groups: 8, weight: wg, bias: bg), negativeSlope: 0.2)
            _ = gradients(of: y, wrt: [xg, wg, bg], seed: seed)
        }
        let normForward = milliseconds { _ = noGrad { groupNorm(x, groups: 8, weight: w, bias: b) } }
        let normBoth = milliseconds {
            _ = gradients(of: groupNorm(xg, groups: 8, weight: wg, bias: bg), wrt: [xg, wg, bg], seed: seed)
        }
        let actForward = milliseconds { _ = noGrad { leakyRelu(x, negativeSlope: 0.2) } }
        let actBoth = milliseconds { _ = gradients(of: leakyRelu(xg, negativeSlope: 0.2), wrt: [xg], seed: seed) }
        let g1 = Tensor(shape: [1, 48, 1, 1], storage: w.storage), b1 = Tensor(shape: [1, 48, 1, 1], storage: b.storage)
        let g1g = g1.requiringGrad(), b1g = b1.requiringGrad()
        let lnForward = milliseconds { _ = noGrad { channelLayerNorm(x, weight: g1, bias: b1) } }
        let lnBoth = milliseconds {
            _ = gradients(of: channelLayerNorm(xg, weight: g1g, bias: b1g), wrt: [xg, g1g, b1g], seed: seed)
        }
        print("NormTiming (8,48,64,64) on \(Parallel.coreCount) cores, ms median (min) of 40:")
        print("  groupNormLeakyRelu (fused): forward \(fusedForward), forward+backward \(fusedBoth)")
        print("  groupNorm then leakyRelu:   forward \(splitForward), forward+backward \(splitBoth)")
        print("  groupNorm alone:            forward \(normForward), forward+backward \(normBoth)")
        print("  leakyRelu alone:            forward \(actForward), forward+backward \(actBoth)")
        print("  channelLayerNorm:           forward \(lnForward), forward+backward \(lnBoth)")
    }
}
