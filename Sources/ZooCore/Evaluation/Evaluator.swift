// The evaluation driver: fixed test clips, fixed seeds, the model's predictions, the metrics.
//
// Protocol (ARCHITECTURE.md): the first `contextFrames` frames of each fixed test clip are the context,
// the next `predictedFrames` the truth; S samples per clip; predictions are quantised to 8 bits and
// every metric is computed on the 0–255 scale. Batch i of clips draws from a generator seeded by
// (seed, i) alone, so every model sees the same clips, contexts and seeds.

import Foundation

/// How to evaluate.
public struct EvaluationSettings: Codable, Sendable, Equatable {
    /// Test clips to use, the first ones in order (nil: all).
    public var clips: Int?
    /// Samples per clip (S).
    public var samples: Int
    /// Seed of the sampling.
    public var seed: UInt64
    /// Clips per `predict` call (part of the protocol: it fixes which seed each clip gets).
    public var batchSize: Int

    /// The protocol's defaults: every clip, 10 samples, seed 0, batches of 8.
    public init(clips: Int? = nil, samples: Int = 10, seed: UInt64 = 0, batchSize: Int = 8) {
        self.clips = clips
        self.samples = samples
        self.seed = seed
        self.batchSize = batchSize
    }
}

/// One metric's result: mean, best of S where it applies, and the per-frame curve.
public struct MetricSummary: Codable, Sendable, Equatable {
    /// "crps", "mse_mean" (MSE of the sample mean), "mse", "psnr", "ssim".
    public var name: String
    /// Whether larger is better.
    public var higherIsBetter: Bool
    /// The average over clips, samples and frames.
    public var mean: Double
    /// Best of S (per clip, the sample with the best average), for per-sample metrics.
    public var bestOfSamples: Double?
    /// The average per predicted frame.
    public var perFrame: [Double]

    /// A summary of scores.
    public init(_ scores: FrameScores, name: String? = nil) {
        self.name = name ?? scores.metric
        higherIsBetter = scores.higherIsBetter
        let curve = scores.mean
        mean = curve.mean
        perFrame = curve.perFrame
        bestOfSamples = scores.bestOfSamples?.mean
    }
}

/// The result of evaluating one model.
public struct EvaluationResult: Codable, Sendable, Equatable {
    /// Model family and preset.
    public var model: String
    public var preset: String
    /// Training steps of the weights evaluated.
    public var step: Int
    /// Clips, samples per clip, context and predicted frames.
    public var clips: Int
    public var samples: Int
    public var contextFrames: Int
    public var predictedFrames: Int
    /// The sampling seed.
    public var seed: UInt64
    /// Where the test clips came from.
    public var data: String
    /// The metrics, in report order.
    public var metrics: [MetricSummary]
    /// Seconds spent predicting and scoring.
    public var seconds: Double

    /// The summary called `name`.
    public subscript(name: String) -> MetricSummary? { metrics.first { $0.name == name } }
}

/// Evaluates predictors on fixed test clips.
public enum Evaluator {
    /// Runs the protocol.
    ///
    /// - Parameters:
    ///   - model: the predictor (evaluated without recording gradients).
    ///   - test: the test sequences; clip i is sequence i's window at `startFrame`.
    ///   - pixelReduction: block averaging to the model's frame size (1: none).
    ///   - stripClips: draw this many clips' context | truth | samples into `strip` (0: none).
    ///   - progress: called after each batch with (clips done, clips in all).
    /// - Returns: the result and, when asked for, the sample strip.
    public static func evaluate(_ model: any VideoPredictor, preset: String, step: Int, test: any VideoSequenceSource,
                                startFrame: Int, pixelReduction: Int = 1, data: String,
                                settings: EvaluationSettings, stripClips: Int = 0,
                                progress: ((Int, Int) -> Void)? = nil) throws -> (EvaluationResult, PNGImage?) {
        let contract = model.contract
        let started = Date()
        let batcher = try Batcher(source: test, batchSize: settings.batchSize, clipLength: contract.clipLength,
                                  order: .fixed(startFrame: startFrame), pixelReduction: pixelReduction, prefetch: 0)
        let available = batcher.eligibleSequences.count
        let total = Swift.min(settings.clips ?? available, available)
        var crpsParts: [FrameScores] = [], mseMeanParts: [FrameScores] = [], mseParts: [FrameScores] = []
        var psnrParts: [FrameScores] = [], ssimParts: [FrameScores] = []
        var strip: PNGImage?
        var done = 0
        var index = 0
        while done < total, var batch = try batcher.next() {
            if batch.batchSize > total - done {
                let keep = total - done
                batch = VideoBatch(frames: batch.frames.sliced(axis: 0, 0..<keep))
            }
            try contract.check(batch.frames, minimumFrames: contract.clipLength, role: "test clips")
            let context = batch.frames(0..<contract.contextFrames)
            let truth = batch.frames(contract.contextFrames..<contract.clipLength)
            var rng = RandomGenerator(seed: settings.seed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
            let predicted = noGrad {
                model.predict(context: context, frameCount: contract.predictedFrames, sampleCount: settings.samples,
                              rng: &rng)
            }
            let expected = [batch.batchSize, settings.samples, contract.predictedFrames, contract.channels,
                            contract.height, contract.width]
            guard predicted.shape == expected else {
                throw PredictorError.contractMismatch("\(model.modelName).predict returned \(predicted.shape), expected \(expected)")
            }
            if stripClips > 0 && strip == nil {
                strip = FrameGrid.sampleStrip(context: context, truth: truth, samples: predicted, clips: stripClips)
            }
            let x = FrameImages.quantized(predicted), y = FrameImages.quantized(truth)
            crpsParts.append(crps(samples: x, truth: y))
            mseParts.append(frameMSE(samples: x, truth: y))
            psnrParts.append(psnr(samples: x, truth: y))
            mseMeanParts.append(frameMSE(samples: x.mean(axes: [1], keepDims: true), truth: y))
            if contract.height >= 11 && contract.width >= 11 { ssimParts.append(ssim(samples: x, truth: y)) }
            done += batch.batchSize
            index += 1
            progress?(done, total)
        }
        guard done > 0 else {
            throw PredictorError.contractMismatch("no test clip of \(contract.clipLength) frames to evaluate on")
        }
        var metrics = [MetricSummary(FrameScores.concatenated(crpsParts)),
                       MetricSummary(FrameScores.concatenated(mseMeanParts), name: "mse_mean"),
                       MetricSummary(FrameScores.concatenated(mseParts)),
                       MetricSummary(FrameScores.concatenated(psnrParts))]
        if !ssimParts.isEmpty { metrics.append(MetricSummary(FrameScores.concatenated(ssimParts))) }
        let result = EvaluationResult(model: model.modelName, preset: preset, step: step, clips: done,
                                      samples: settings.samples, contextFrames: contract.contextFrames,
                                      predictedFrames: contract.predictedFrames, seed: settings.seed, data: data,
                                      metrics: metrics, seconds: Date().timeIntervalSince(started))
        return (result, strip)
    }
}
