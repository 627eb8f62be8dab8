// The evaluation driver scores through MetricAccumulator (the code of `zoo metrics`): its LPIPS and FVD agree
// with the accumulator fed the same clips directly; metrics the clips cannot give become notes; optional
// weights that are missing become a one-line note saying how to get them.

import Baselines
import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

/// `count` synthetic clips of `frames` frames (synthVideo), as sequences for the evaluator and as [N, T, C, H, W]
/// floats on the 0-255 scale.
private func syntheticClips(_ c: ClipContract, count: Int, frames: Int, seed: Int) -> (VideoSequenceSet, Tensor) {
    let bytes = synthVideo(n: count, t: frames, h: c.height, w: c.width, c: c.channels, seed: seed)
    let per = frames * c.height * c.width * c.channels
    let set = VideoSequenceSet(height: c.height, width: c.width, channels: c.channels,
                               sequences: (0..<count).map { Array(bytes[($0 * per)..<(($0 + 1) * per)]) })
    let clips = Tensor(shape: [count, frames, c.height, c.width, c.channels], scalars: bytes.map { Float($0) })
        .permuted([0, 1, 4, 2, 3])
    return (set, clips)
}

@Suite struct EvaluationMetricTests {
    @Test func evaluatorScoresThroughTheAccumulator() throws {
        // copy-last on 3 RGB 32x32 clips of 4 context + 6 predicted frames, 2 samples, the small random-weight
        // LPIPS and I3D networks of the fixtures. FVD sees 10-frame clips (context in front).
        let contract = ClipContract(channels: 3, height: 32, width: 32, contextFrames: 4, predictedFrames: 6)
        let (set, clips) = syntheticClips(contract, count: 3, frames: 10, seed: 9)
        let kinds: [MetricKind] = [.crps, .mse, .psnr, .ssim, .lpips, .fvd]
        let metrics = EvaluationMetrics(kinds: kinds, lpips: smallLPIPS, i3d: smallI3D)
        let (result, _) = try Evaluator.evaluate(CopyLast(config: CopyLastConfig(contract: contract)), preset: "test",
                                                 step: 0, test: set, startFrame: 0, data: "synthetic",
                                                 settings: EvaluationSettings(clips: 3, samples: 2, seed: 0, batchSize: 3),
                                                 metrics: metrics)
        #expect(result.metrics.map(\.name) == ["crps", "mse_mean", "mse", "psnr", "ssim", "lpips"])
        #expect(result.notes == nil)

        // The same clips straight into the accumulator: copy-last repeats the last context frame.
        let context = clips.sliced(axis: 1, 0..<4), truth = clips.sliced(axis: 1, 4..<10)
        let samples = context.sliced(axis: 1, 3..<4).reshaped([3, 1, 1, 3, 32, 32]).expanded(to: [3, 2, 6, 3, 32, 32])
        let direct = MetricAccumulator(metrics: kinds, lpips: smallLPIPS, i3d: smallI3D)
        direct.add(samples: samples, truth: truth, context: context)
        for kind in kinds where kind != .fvd {
            let expected = try #require(direct.scores(kind))
            let got = try #require(result[kind.rawValue])
            #expect(Swift.abs(got.mean - expected.mean.mean) <= 1e-6 * Swift.abs(expected.mean.mean), "\(kind)")
            #expect(got.perFrame.count == 6)
            if let best = expected.bestOfSamples { #expect(Swift.abs(got.bestOfSamples! - best.mean) <= 1e-6 * Swift.abs(best.mean)) }
        }
        // Copy-last's samples are equal, so their mean is each one (up to the order of float64 sums).
        let mseMean = try #require(result["mse_mean"]?.mean), mse = try #require(result["mse"]?.mean)
        #expect(Swift.abs(mseMean - mse) <= 1e-12 * mse)
        let fvd = try #require(result.fvd)
        let expected = try #require(try direct.fvdResult())
        print("evaluator FVD (small I3D) \(fvd.fvd), accumulator \(expected.fvd); LPIPS \(result["lpips"]!.mean)")
        #expect(fvd.realClips == 3 && fvd.generatedClips == 3 && fvd.frames == 10)
        #expect(fvd.fvd > 0 && Swift.abs(fvd.fvd - expected.fvd) <= 1e-6 * expected.fvd)
    }

    @Test func metricsTheClipsCannotGiveBecomeNotes() throws {
        // 16x16 frames are below AlexNet's 31x31; one clip has no covariance for FVD.
        let contract = CopyLastConfig.tiny.contract
        let (set, _) = syntheticClips(contract, count: 2, frames: 5, seed: 3)
        let metrics = EvaluationMetrics(kinds: [.crps, .ssim, .lpips, .fvd], lpips: smallLPIPS, i3d: smallI3D)
        let (one, _) = try Evaluator.evaluate(CopyLast(config: .tiny), preset: "tiny", step: 0, test: set, startFrame: 0,
                                              data: "x", settings: EvaluationSettings(clips: 1, samples: 1),
                                              metrics: metrics)
        #expect(one.metrics.map(\.name) == ["crps", "ssim"] && one.fvd == nil)
        let notes = try #require(one.notes)
        #expect(notes.count == 2)
        #expect(notes.contains { $0.hasPrefix("LPIPS not computed: frames are 16x16") })
        #expect(notes.contains { $0.hasPrefix("FVD not computed: it needs at least 2 test clips, have 1") })
        let (two, _) = try Evaluator.evaluate(CopyLast(config: .tiny), preset: "tiny", step: 0, test: set, startFrame: 0,
                                              data: "x", settings: EvaluationSettings(clips: 2, samples: 1),
                                              metrics: metrics)
        #expect(two.notes?.contains { $0.hasPrefix("FVD not computed: clips of 5 frames") } == true)
    }

    @Test func missingOptionalWeightsBecomeANoteAndRequiredOnesThrow() throws {
        let folder = NSTemporaryDirectory() + "zoo-no-weights-eval-\(getpid())"
        let loaded = try EvaluationMetrics.load(EvaluationMetrics.standardKinds, optional: [.lpips], weightsDirectory: folder)
        #expect(loaded.kinds == [.crps, .mse, .psnr, .ssim] && loaded.lpips == nil)
        #expect(loaded.notes.count == 1)
        #expect(loaded.notes.first?.contains("zoo weights fetch") == true && loaded.notes.first?.contains(folder) == true)
        #expect(throws: MetricWeightsError.self) {
            _ = try EvaluationMetrics.load([.crps, .fvd], optional: [.lpips], weightsDirectory: folder)
        }
    }

    @Test func lpipsTakesFramesOfTheMinimumSize() {
        // 31x31 is the smallest frame AlexNet's conv1 and two poolings leave a 1x1 map for.
        let x = Tensor(shape: [1, 3, 31, 31], scalars: (0..<(3 * 31 * 31)).map { Float($0 % 17) / 8 - 1 })
        let features = smallLPIPS.features(x)
        #expect(features.map { Array($0.shape.suffix(2)) } == [[7, 7], [3, 3], [1, 1], [1, 1], [1, 1]])
    }
}
