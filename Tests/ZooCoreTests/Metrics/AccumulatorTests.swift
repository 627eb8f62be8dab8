// The batch accumulator behind `zoo metrics`, the metric list parser and the CRPS heat map.

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

private func randomFrames(_ shape: [Int], seed: UInt64) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float(rng.int(below: 256)) })
}

@Suite struct MetricAccumulatorTests {
    @Test func parsesMetricLists() throws {
        #expect(try MetricKind.parseList("crps, PSNR,crps") == [.crps, .psnr])
        #expect(try MetricKind.parseList("all") == MetricKind.allCases)
        #expect(throws: MetricListError.self) { try MetricKind.parseList("crps,fid") }
        #expect(throws: MetricListError.self) { try MetricKind.parseList(" , ") }
    }

    @Test func batchesJoinToTheOneShotScores() throws {
        let samples = randomFrames([5, 3, 4, 2, 12, 13], seed: 1)
        let truth = randomFrames([5, 4, 2, 12, 13], seed: 2)
        let acc = MetricAccumulator(metrics: [.crps, .mse, .psnr, .ssim])
        acc.add(samples: samples.sliced(axis: 0, 0..<2), truth: truth.sliced(axis: 0, 0..<2))
        acc.add(samples: samples.sliced(axis: 0, 2..<5), truth: truth.sliced(axis: 0, 2..<5))
        #expect(acc.scores(.crps) == crps(samples: samples, truth: truth))
        #expect(acc.scores(.mse) == frameMSE(samples: samples, truth: truth))
        #expect(acc.scores(.psnr) == psnr(samples: samples, truth: truth))
        #expect(acc.scores(.ssim) == ssim(samples: samples, truth: truth))
        #expect(acc.scores(.lpips) == nil)
        let noFVD = try acc.fvdResult()
        #expect(noFVD == nil)
        let expected = Heatmap.meanOverClipsAndChannels(crpsMap(samples: samples, truth: truth))
        let got = try #require(acc.crpsMapMean)
        #expect(got.shape == [4, 12, 13])
        #expect(maxRelativeError(got.scalars.map(Double.init), expected.scalars.map(Double.init), floor: 1) < 1e-5)
    }

    @Test func fvdUsesTheFirstSampleWithItsContext() throws {
        let context = randomFrames([2, 3, 3, 16, 16], seed: 3)
        let truth = randomFrames([2, 7, 3, 16, 16], seed: 4)
        let samples = randomFrames([2, 2, 7, 3, 16, 16], seed: 5)
        let acc = MetricAccumulator(metrics: [.fvd], i3d: smallI3D)
        acc.add(samples: samples, truth: truth, context: context)
        let result = try #require(try acc.fvdResult())
        let direct = try fvd(real: concat([context, truth], axis: 1),
                             generated: concat([context, samples.selecting(axis: 1, 0)], axis: 1), network: smallI3D)
        // Equal up to float32 rounding: OpenBLAS's thread count (and so its summation order) can differ between
        // the two runs while other tests run convolutions concurrently.
        #expect(Swift.abs(result.fvd - direct.fvd) <= 1e-5 * direct.fvd)
        #expect(result.realClips == 2 && result.generatedClips == 2 && result.frames == 10)
    }

    /// Two models scored on the same clips with one memo: the second reuses the real clips' features (equal
    /// to what the first computed, so its FVD is a fresh accumulator's); other clips are computed, not
    /// confused with the remembered ones.
    @Test func sharedMemoReusesTheRealFeaturesOfTheSameClipsOnly() throws {
        let context = randomFrames([2, 3, 3, 16, 16], seed: 3)
        let truth = randomFrames([2, 7, 3, 16, 16], seed: 4)
        let memo = I3DFeatureMemo()
        let first = MetricAccumulator(metrics: [.fvd], i3d: smallI3D, realFeatureMemo: memo)
        first.add(samples: randomFrames([2, 2, 7, 3, 16, 16], seed: 5), truth: truth, context: context)
        #expect(memo.hits == 0)
        let second = randomFrames([2, 2, 7, 3, 16, 16], seed: 6)
        let shared = MetricAccumulator(metrics: [.fvd], i3d: smallI3D, realFeatureMemo: memo)
        shared.add(samples: second, truth: truth, context: context)
        #expect(memo.hits == 1)
        #expect(shared.realFeatures.map(\.scalars) == first.realFeatures.map(\.scalars))
        #expect(shared.generatedFeatures.map(\.scalars) != first.generatedFeatures.map(\.scalars))
        // One changed pixel in the truth: a miss, computed afresh.
        var values = truth.scalars
        values[17] = values[17] == 0 ? 1 : 0
        let other = MetricAccumulator(metrics: [.fvd], i3d: smallI3D, realFeatureMemo: memo)
        other.add(samples: second, truth: Tensor(shape: truth.shape, scalars: values), context: context)
        #expect(memo.hits == 1)
        #expect(other.realFeatures.map(\.scalars) != first.realFeatures.map(\.scalars))
    }
}

@Suite struct HeatmapTests {
    @Test func rendersTilesAndAColourBar() throws {
        // Two 2x3 frames: 0 everywhere except one pixel at the top value.
        var values = [Float](repeating: 0, count: 12)
        values[7] = 4
        let (image, top) = Heatmap.render(Tensor(shape: [2, 2, 3], scalars: values), pixelScale: 2)
        #expect(top == 4)
        #expect(image.width == 2 * 6 + 2 && image.height == 4 + 2 + 6 && image.channels == 3)
        func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(image.pixels[((y * image.width + x) * 3)..<((y * image.width + x) * 3 + 3)]) }
        #expect(pixel(0, 0) == [68, 1, 84])                   // 0 → the dark end
        // values[7] is frame 1, row 0, column 1 → tile 1 starts at x = 8; column 1 covers x = 10, 11.
        #expect(pixel(10, 0) == [253, 231, 37] && pixel(11, 1) == [253, 231, 37])
        #expect(pixel(7, 0) == [255, 255, 255])              // the gap
        #expect(pixel(0, 11) == [68, 1, 84] && pixel(13, 11) == [253, 231, 37])   // colour bar ends
        let path = NSTemporaryDirectory() + "zoo-heatmap-\(getpid()).png"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try image.write(to: path)
        #expect(try PNGImage.read(path: path) == image)
    }
}
