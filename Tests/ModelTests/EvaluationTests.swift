// The evaluation driver, sample strips, animated PNGs, and the progress output.
import Baselines
import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

/// Sequences whose frames never change: copy-last predicts them perfectly.
private func staticSequences(count: Int, frames: Int) -> VideoSequenceSet {
    let sequences = (0..<count).map { i -> [UInt8] in
        let frame = (0..<256).map { UInt8(($0 * 7 + i * 31) % 256) }
        return Array((0..<frames).map { _ in frame }.joined())
    }
    return VideoSequenceSet(height: 16, width: 16, channels: 1, sequences: sequences)
}

@Suite struct EvaluationTests {
    @Test func copyLastIsPerfectOnStillVideoAndTheCountsAreReported() throws {
        let (result, strip) = try Evaluator.evaluate(
            CopyLast(config: .tiny), preset: "tiny", step: 0, test: staticSequences(count: 5, frames: 6), startFrame: 0,
            data: "still", settings: EvaluationSettings(clips: 4, samples: 3, seed: 0, batchSize: 3), stripClips: 2)
        #expect(result.clips == 4 && result.samples == 3 && result.contextFrames == 2 && result.predictedFrames == 3)
        #expect(result["crps"]?.mean == 0 && result["mse_mean"]?.mean == 0 && result["mse"]?.mean == 0)
        #expect(result["psnr"]?.mean == psnrCeiling && result["psnr"]?.bestOfSamples == psnrCeiling)
        #expect(result["ssim"].map { abs($0.mean - 1) < 1e-9 } == true)
        #expect(result["crps"]?.perFrame.count == 3 && result["crps"]?.bestOfSamples == nil)
        // The strip: 2 clips x (1 truth row + 1 sample row: copy-last's samples are all equal), 2 context +
        // 3 future columns, 16x16 frames drawn 4x.
        let image = try #require(strip)
        #expect(image.height == 4 * (64 + 2) + 2 && image.width == 5 * (64 + 2) + 2 + 6)
    }

    /// Context frames hold v, the three future frames v + 10 (v in 20...200): copy-last is off by exactly 10
    /// grey levels everywhere, so on the byte scale CRPS (= MAE for equal samples) is 10, MSE 100 and PSNR
    /// 10·log10(255²/100). On a [−1, 1] or [0, 1] scale the same error would read 0.078 or 0.039.
    @Test func metricsAreOnTheByteScaleOfTheQuantisedPredictions() throws {
        let sequences = (0..<3).map { i -> [UInt8] in
            let frame = (0..<256).map { UInt8(20 + ($0 * 7 + i * 31) % 181) }
            return Array([frame, frame].joined()) + Array((0..<3).map { _ in frame.map { $0 + 10 } }.joined())
        }
        let set = VideoSequenceSet(height: 16, width: 16, channels: 1, sequences: sequences)
        let (result, _) = try Evaluator.evaluate(CopyLast(config: .tiny), preset: "tiny", step: 0, test: set,
                                                 startFrame: 0, data: "shifted",
                                                 settings: EvaluationSettings(samples: 2, seed: 0))
        let crps = try #require(result["crps"]), mse = try #require(result["mse"]), psnr = try #require(result["psnr"])
        #expect(abs(crps.mean - 10) < 1e-9 && crps.perFrame.allSatisfy { abs($0 - 10) < 1e-9 }, "\(crps)")
        #expect(abs(mse.mean - 100) < 1e-6, "\(mse)")
        #expect(abs(psnr.mean - 10 * log10(255.0 * 255 / 100)) < 1e-6, "\(psnr)")
    }

    /// A stochastic model: the evaluation seed decides its samples, and the same seed repeats them.
    @Test func theEvaluationSeedDecidesAStochasticModelsSamples() throws {
        try withFixedBLASThreads { try seeds() }
    }

    private func seeds() throws {
        // JitterModel: x̂ₜ₊₁ = xₜ + conv(xₜ + ε) with ε drawn from the evaluation's generator.
        let set = testSequences(JitterConfig().contract, count: 2, frames: 5, seed: 1)
        let model = try #require(try JitterModel.entry.make("tiny", &RandomGeneratorBox(seed: 0).rng) as? JitterModel)
        func evaluate(seed: UInt64) throws -> EvaluationResult {
            try Evaluator.evaluate(model, preset: "tiny", step: 0, test: set, startFrame: 0, data: "t",
                                   settings: EvaluationSettings(samples: 4, seed: seed)).0
        }
        let a = try evaluate(seed: 3), b = try evaluate(seed: 3), c = try evaluate(seed: 4)
        #expect(a.metrics == b.metrics, "the same seed gives the same numbers")
        #expect(a.metrics != c.metrics, "another seed, other samples")
        let crps = try #require(a["crps"]), mse = try #require(a["mse"])
        #expect(crps.mean > 0 && mse.mean > 0)
        // CRPS ≤ mean absolute error ≤ RMSE of the samples (the ensemble term only lowers it).
        #expect(crps.mean <= mse.mean.squareRoot())
    }

    @Test func aFewClipsAreSpreadOverTheTestSet() {
        #expect(evaluationClips(4, of: Array(0..<32)) == [0, 8, 16, 24])
        #expect(evaluationClips(3, of: [1, 4, 5, 9]) == [1, 4, 5])
        #expect(evaluationClips(9, of: [2, 3]) == [2, 3])
    }

    @Test func tooFewTestFramesIsAContractError() throws {
        #expect(throws: BatcherError.self) {
            _ = try Evaluator.evaluate(CopyLast(config: .tiny), preset: "tiny", step: 0,
                                       test: staticSequences(count: 2, frames: 4), startFrame: 0, data: "x",
                                       settings: EvaluationSettings())
        }
    }

    @Test func animatedPNGHoldsEveryFrameAndShowsTheFirstToPlainReaders() throws {
        let frames = (0..<3).map { k in
            PNGImage(width: 4, height: 3, channels: 1, pixels: (0..<12).map { UInt8($0 * 10 + k) })
        }
        let data = try AnimatedPNG.encode(frames, delay: 0.25)
        #expect(try AnimatedPNG.frameCount(data) == 3)
        #expect(try PNGImage.decode(data) == frames[0])
        let types = try AnimatedPNG.parseChunks(data).map(\.type)
        #expect(types.first == "IHDR" && types[1] == "acTL" && types.last == "IEND")
        #expect(types.filter { $0 == "fcTL" }.count == 3 && types.filter { $0 == "fdAT" }.count >= 2)
        #expect(AnimatedPNG.crc32(Data("IEND".utf8)) == 0xAE42_6082)                     // the PNG spec's IEND CRC
    }

    @Test func progressBarIsThrottledAndShowsTheFinalState() {
        var output = ""
        var clock = 0.0
        let bar = ProgressBar(minimumInterval: 0.1, write: { output += $0 }, now: { clock }, width: { 100 })
        func snapshot(_ step: Int) -> TrainingSnapshot {
            TrainingSnapshot(step: step, totalSteps: 10, startStep: 0, losses: StepLosses(["loss": 0.5]),
                             learningRate: 1e-3, elapsed: Double(step))
        }
        bar.report(.runStart(snapshot(0), model: "m", parameterCount: 10))
        for step in 1...9 {
            clock += 0.02
            bar.report(.stepEnd(snapshot(step)))
        }
        #expect(output.components(separatedBy: "\r\u{1B}[K").count - 1 <= 3, "redraws are throttled: \(output)")
        bar.report(.checkpointSaved(step: 9, path: "run/step-000009.h5"))
        clock += 0.02
        bar.report(.stepEnd(snapshot(10)))
        bar.report(.runEnd(snapshot(10), .finished))
        #expect(output.contains("saved run/step-000009.h5 (step 9)\n"))
        #expect(output.contains("step 10/10 [====================] 1.00 it/s ETA 00:00 loss 0.5"))
        #expect(output.hasSuffix("done: 10 steps in 00:10 (1.00 it/s)\n"))
        #expect(ProgressBar.line(snapshot(5), width: 30).count == 29)
    }

    @Test func lineReporterPrintsPlainLinesAtItsCadence() {
        var lines: [String] = []
        let reporter = LineReporter(every: 4, interval: 1e9, write: { lines.append($0) }, now: { 0 })
        for step in 1...9 {
            reporter.report(.stepEnd(TrainingSnapshot(step: step, totalSteps: 9, startStep: 0,
                                                      losses: StepLosses(["loss_D": 1, "loss_G": 2]),
                                                      learningRate: 0, elapsed: Double(step) / 2)))
        }
        reporter.report(.evalEnd(step: 9, metrics: [("crps", 4.25)], samples: nil))
        #expect(lines.count == 5 && lines.allSatisfy { !$0.contains("\r") })
        #expect(lines[0] == "step 1/9 2.00 it/s ETA 00:04 loss_D 1 loss_G 2\n")
        #expect(lines[1].hasPrefix("step 4/9") && lines[3].hasPrefix("step 9/9"))
        #expect(lines[4] == "eval at step 9: crps 4.25\n")
    }
}
