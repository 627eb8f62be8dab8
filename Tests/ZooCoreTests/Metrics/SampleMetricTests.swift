// CRPS, PSNR, SSIM and MSE: hand-computed values on tiny arrays, and the fixtures from properscoring,
// a direct O(S²) CRPS loop and scikit-image (Tools/metrics/make_metric_fixtures.py).

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

private struct SampleCase: NamedFixtureCase {
    var name: String
    var kind: String
    var samples: MetricArray
    var truth: MetricArray
    var crps_properscoring: MetricArray
    var crps_direct: MetricArray
    var crps_map_first_frame: MetricArray
    var psnr: MetricArray
    var ssim: MetricArray
}

private let sampleCases = loadMetricCases("metrics_sample.json", as: SampleCase.self)

/// One clip, one frame, one channel of 1 x `width` pixels with the given samples per pixel.
private func pixels(_ samples: [[Float]], truth: [Float]) -> (Tensor, Tensor) {
    let s = samples.count, w = truth.count
    return (Tensor(shape: [1, s, 1, 1, 1, w], scalars: samples.flatMap { $0 }), Tensor(shape: [1, 1, 1, 1, w], scalars: truth))
}

@Suite struct CRPSTests {
    @Test func handComputedValues() {
        // Pixel 0: samples {0, 10}, truth 4: mean|x − y| = 5, ½·mean|x − x'| = (1/8)·20 = 2.5 → 2.5.
        // Pixel 1: samples {3, 1}, truth 2: 1 − (1/8)·4 = 0.5.  Pixel 2: {7, 7}, truth 7 → 0.
        let (x, y) = pixels([[0, 3, 7], [10, 1, 7]], truth: [4, 2, 7])
        let map = crpsMap(samples: x, truth: y).scalars
        #expect(map == [2.5, 0.5, 0])
        let scores = crps(samples: x, truth: y)
        #expect(scores.isEnsemble && scores.values.count == 1 && scores.samples == 2)
        #expect(Swift.abs(scores.mean.mean - 1.0) < 1e-12)
        #expect(scores.bestOfSamples == nil)

        // Three samples {3, 1, 2}, truth 2: mean|x − y| = 2/3; Σ|x − x'| = 8 → 8/18; CRPS = 2/9.
        let (x3, y3) = pixels([[3], [1], [2]], truth: [2])
        #expect(Swift.abs(crps(samples: x3, truth: y3).mean.mean - 2.0 / 9.0) < 1e-12)
    }

    @Test func oneSampleIsTheAbsoluteError() {
        let (x, y) = pixels([[0, 255, 100.5]], truth: [10, 200, 100])
        #expect(crpsMap(samples: x, truth: y).scalars == [10, 55, 0.5])
    }

    @Test func sortedFormulaEqualsThePairSum() {
        var rng = RandomGenerator(seed: 3)
        for s in [1, 2, 5, 10, 17] {
            var values = (0..<s).map { _ in Float(rng.uniform(0, 255)) }
            let y = Float(rng.uniform(0, 255))
            // The direct O(S²) estimator in Double (the kernel also subtracts in Double).
            var direct = 0.0
            for a in values { direct += Swift.abs(Double(a) - Double(y)) / Double(s) }
            for a in values { for b in values { direct -= Swift.abs(Double(a) - Double(b)) / Double(2 * s * s) } }
            let fast = values.withUnsafeMutableBufferPointer { crpsEnsemble($0, truth: y) }
            #expect(Swift.abs(fast - direct) <= 1e-9 * Swift.max(1, Swift.abs(direct)), "S = \(s)")
        }
    }

    @Test(arguments: sampleCases) private func matchesProperscoring(_ c: SampleCase) {
        let scores = crps(samples: c.samples.tensor, truth: c.truth.tensor)
        #expect(scores.values.count == c.crps_properscoring.data.count)
        // The reference is float64 throughout; ours sums float32 inputs in Double: exact to rounding.
        print("CRPS \(c.name): max relative error \(maxRelativeError(scores.values, c.crps_properscoring.data)) vs properscoring, "
              + "\(maxRelativeError(scores.values, c.crps_direct.data)) vs the direct O(S²) loop")
        #expect(maxRelativeError(scores.values, c.crps_properscoring.data) < 1e-9)
        #expect(maxRelativeError(scores.values, c.crps_direct.data) < 1e-9)
        let map = crpsMap(samples: c.samples.tensor, truth: c.truth.tensor)
        let first = Array(map.scalars.prefix(c.crps_map_first_frame.data.count)).map(Double.init)
        // The map is stored as Float: 1e-6 relative (and 1e-5 absolute for near-zero pixels).
        for (a, r) in zip(first, c.crps_map_first_frame.data) { #expect(Swift.abs(a - r) <= 1e-6 * Swift.abs(r) + 1e-5) }
    }
}

@Suite struct PSNRTests {
    @Test func handComputedValues() {
        // Truth 0, one sample off by 5 everywhere (MSE 25), the other off by 5 on half the pixels (MSE 12.5).
        let truth = Tensor.zeros([1, 1, 1, 2, 2])
        let samples = Tensor(shape: [1, 2, 1, 1, 2, 2], scalars: [5, 5, 5, 5, 5, 0, 5, 0])
        let p = psnr(samples: samples, truth: truth)
        let expected = [10 * log10(65025.0 / 25), 10 * log10(65025.0 / 12.5)]
        #expect(maxRelativeError(p.values, expected) < 1e-12)
        #expect(Swift.abs(p.mean.mean - (expected[0] + expected[1]) / 2) < 1e-9)
        #expect(p.bestOfSamples?.mean == expected[1])
        #expect(frameMSE(samples: samples, truth: truth).values == [25, 12.5])
        #expect(frameMSE(samples: samples, truth: truth).bestOfSamples?.mean == 12.5)
        #expect(psnr(samples: truth.unsqueezed(1), truth: truth).values == [psnrCeiling])
    }

    @Test(arguments: sampleCases) private func matchesScikitImage(_ c: SampleCase) {
        let p = psnr(samples: c.samples.tensor, truth: c.truth.tensor)
        print("PSNR \(c.name): max relative error \(maxRelativeError(p.values, c.psnr.data)) vs scikit-image")
        #expect(maxRelativeError(p.values, c.psnr.data) < 1e-10)
    }
}

@Suite struct SSIMTests {
    @Test func identicalAndConstantFrames() {
        var rng = RandomGenerator(seed: 1)
        let truth = Tensor(shape: [1, 2, 3, 12, 13], scalars: (0..<(2 * 3 * 12 * 13)).map { _ in Float(rng.int(below: 256)) })
        let same = ssim(samples: truth.unsqueezed(1), truth: truth)
        #expect(same.values.allSatisfy { Swift.abs($0 - 1) < 1e-12 })
        // Two constant planes a, b: σ terms vanish, SSIM = (2ab + C1) / (a² + b² + C1).
        let a = Tensor(repeating: 100, shape: [1, 1, 1, 1, 11, 11])
        let b = Tensor(repeating: 120, shape: [1, 1, 1, 11, 11])
        let c1 = (0.01 * 255.0) * (0.01 * 255.0)
        let expected = (2 * 100 * 120 + c1) / (100 * 100 + 120 * 120 + c1)
        #expect(Swift.abs(ssim(samples: a, truth: b).values[0] - expected) < 1e-12)
    }

    @Test func gaussianTaps() {
        let taps = SSIMParameters.taps
        #expect(taps.count == 11 && Swift.abs(taps.reduce(0, +) - 1) < 1e-15)
        #expect(Swift.abs(taps[5] / taps[4] - exp(1 / (2 * 1.5 * 1.5))) < 1e-12)
    }

    @Test(arguments: sampleCases) private func matchesScikitImage(_ c: SampleCase) {
        let s = ssim(samples: c.samples.tensor, truth: c.truth.tensor)
        #expect(s.values.count == c.ssim.data.count)
        print("SSIM \(c.name): max relative error \(maxRelativeError(s.values, c.ssim.data)) vs scikit-image")
        #expect(maxRelativeError(s.values, c.ssim.data) < 1e-10)
    }
}

@Suite struct FrameScoresTests {
    @Test func meanBestOfSamplesAndConcatenation() {
        // 2 clips, 2 samples, 2 frames. Clip 0: sample 1 better on average; clip 1: sample 0.
        let v: [Double] = [1, 2, 3, 4, 9, 1, 2, 2]
        let s = FrameScores(metric: "psnr", higherIsBetter: true, clips: 2, samples: 2, frames: 2, values: v)
        #expect(s.mean == MetricCurve(mean: 3, perFrame: [15.0 / 4, 9.0 / 4]))
        #expect(s.bestSample(clip: 0) == 1 && s.bestSample(clip: 1) == 0)
        #expect(s.bestOfSamples == MetricCurve(mean: 4.25, perFrame: [6, 2.5]))
        let lower = FrameScores(metric: "mse", higherIsBetter: false, clips: 2, samples: 2, frames: 2, values: v)
        #expect(lower.bestOfSamples == MetricCurve(mean: 1.75, perFrame: [1.5, 2]))
        let joined = FrameScores.concatenated([s, s])
        #expect(joined.clips == 4 && joined.mean == s.mean && joined.bestOfSamples == s.bestOfSamples)
    }
}

private struct FrechetCase: NamedFixtureCase {
    var name: String
    var a: MetricArray
    var b: MetricArray
    var fd_eigh: Double
    var fd_scipy_sqrtm: Double
    var fd_self: Double
}

@Suite struct FrechetDistanceTests {
    @Test(arguments: loadMetricCases("metrics_fd.json", as: FrechetCase.self))
    private func matchesNumpy(_ c: FrechetCase) throws {
        let d = try frechetDistance(features: c.a.tensor, c.b.tensor)
        print("Frechet \(c.name): \(d) vs numpy eigh \(c.fd_eigh) (relative \(Swift.abs(d - c.fd_eigh) / c.fd_eigh)), "
              + "scipy sqrtm \(c.fd_scipy_sqrtm)")
        // Same float32 features, float64 arithmetic, different LAPACK/ordering: agreement to ~1e-10 relative,
        // except where the two reference methods themselves disagree by more (rank-deficient covariances: the
        // square roots of rounding-level eigenvalues move every float64 method by ~1e-8 relative; OpenBLAS's
        // dsyevd on one thread lands 4e-9 from numpy here, on two threads 7e-11).
        let spread = Swift.abs(c.fd_eigh - c.fd_scipy_sqrtm)
        #expect(Swift.abs(d - c.fd_eigh) <= Swift.max(1e-9 * Swift.abs(c.fd_eigh), 4 * spread), "\(d) vs numpy \(c.fd_eigh)")
        // A set against itself: 0 up to the rounding of the eigenvalue square roots (numpy: \(c.fd_self)).
        let trace = FeatureStatistics(features: c.a.tensor).covariance.enumerated().filter { $0.offset % (c.a.shape[1] + 1) == 0 }
            .reduce(0) { $0 + $1.element }
        let same = try frechetDistance(features: c.a.tensor, c.a.tensor)
        print("Frechet \(c.name) against itself: \(same)")
        #expect(Swift.abs(same) <= 1e-6 * trace, "self distance \(same), trace \(trace)")
    }

    @Test func diagonalGaussiansInClosedForm() throws {
        // Diagonal covariances: d² = |Δμ|² + Σ (σ1 − σ2)². Built from ±1 columns so the moments are exact.
        let n = 4
        let signs: [[Double]] = [[1, 1], [1, -1], [-1, 1], [-1, -1]]
        let s1 = [2.0, 0.5], s2 = [1.0, 3.0], m1 = [0.0, 1.0], m2 = [2.0, -1.0]
        let a = signs.flatMap { r in (0..<2).map { m1[$0] + s1[$0] * r[$0] } }
        let b = signs.flatMap { r in (0..<2).map { m2[$0] + s2[$0] * r[$0] } }
        // np.cov over N − 1: variance of ±σ columns is σ² · N / (N − 1).
        let f = Double(n) / Double(n - 1)
        let expected = 4.0 + 4.0 + (0..<2).reduce(0.0) { $0 + f * (s1[$1] - s2[$1]) * (s1[$1] - s2[$1]) }
        let d = try frechetDistance(FeatureStatistics(features: a, count: n, dimension: 2),
                                    FeatureStatistics(features: b, count: n, dimension: 2))
        #expect(Swift.abs(d - expected) < 1e-12)
    }
}
