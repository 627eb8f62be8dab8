// The evaluation driver: fixed test clips, fixed seeds, the model's predictions, the metrics.
//
// Protocol (docs/architecture.md, "Evaluation"): the first `contextFrames` frames of each fixed test clip are the context,
// the next `predictedFrames` the truth; S samples per clip; predictions are quantised to 8 bits and
// every metric is computed on the 0–255 scale by `MetricAccumulator`, the code `zoo metrics` runs on files.
// Batch i of clips draws from a generator seeded by (seed, i) alone, so every model sees the same clips,
// contexts and seeds. FVD (when asked for) compares the first sample of each clip with the true clip, the
// context frames in front of both, as the protocol says.

import Foundation
import ZooTensor
import ZooNN
import ZooData
import ZooMetrics

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
    /// "crps", "mse_mean" (MSE of the sample mean), "mse", "psnr", "ssim", "lpips".
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
    /// FVD of the first samples against the true clips (context included), when asked for.
    public var fvd: FVDResult?
    /// Metrics asked for but not computed, one line each saying why (absent in older results).
    public var notes: [String]?
    /// Seconds spent predicting and scoring.
    public var seconds: Double
    /// Seconds spent in `predict` alone (absent in older results).
    public var samplingSeconds: Double?
    /// Frames the model generated (clips x samples drawn x predicted frames; a deterministic model draws one
    /// sample per clip), so `samplingSeconds / generatedFrames` is the sampling time per frame.
    public var generatedFrames: Int?

    /// The summary called `name`.
    public subscript(name: String) -> MetricSummary? { metrics.first { $0.name == name } }
}

/// One batch of an evaluation as the metrics saw it, for callers that keep predictions or draw figures.
public struct EvaluationBatch {
    /// Index of the batch's first clip among the evaluated clips.
    public var firstClip: Int
    /// Context [B, Tc, C, H, W] and truth [B, Tp, C, H, W] in [-1, 1].
    public var context: Tensor
    public var truth: Tensor
    /// The S samples [B, S, Tp, C, H, W] on the 0-255 scale, rounded to whole levels (what the metrics scored).
    public var quantizedSamples: Tensor
    /// The truth on the same scale [B, Tp, C, H, W].
    public var quantizedTruth: Tensor
}

/// Processes that share an evaluation's sampling: batch i is predicted by process i % count, with the
/// generator a single process would use for it, and sent to every process, which then scores every batch.
/// The result is the single process's; the sampling, which dominates a diffusion model's evaluation, is
/// split `count` ways.
public struct EvaluationShare {
    /// This process, 0..<count.
    public let rank: Int
    /// The processes sharing the evaluation.
    public let count: Int
    /// Sends `values` from process `root` to every process (in place; the same length everywhere).
    public let broadcast: (inout [Float], _ root: Int) throws -> Void

    public init(rank: Int, count: Int, broadcast: @escaping (inout [Float], _ root: Int) throws -> Void) {
        self.rank = rank
        self.count = count
        self.broadcast = broadcast
    }
}

/// Evaluates predictors on fixed test clips.
public enum Evaluator {
    /// Runs the protocol.
    ///
    /// - Parameters:
    ///   - model: the predictor (evaluated without recording gradients).
    ///   - test: the test sequences; a clip is a sequence's window at `startFrame`. With
    ///     `settings.clips` = k below the number of sequences, k sequences spread evenly over the set are
    ///     used (sequence ⌊i·n/k⌋ for i < k), so a few clips still cover the whole set.
    ///   - pixelReduction: block averaging to the model's frame size (1: none).
    ///   - metrics: what to compute (`.basic`: CRPS, MSE, PSNR, SSIM); a metric the clips cannot give (SSIM or
    ///     LPIPS on too small frames, FVD on fewer than 2 clips or 9 frames) is left out with a note.
    ///   - stripClips: draw this many clips' context | truth | samples into `strip` (0: none).
    ///   - progress: called after each batch with (clips done, clips in all).
    ///   - observe: called with each batch's context, truth and quantised samples (after scoring).
    ///   - share: processes that share the sampling (data-parallel training; nil: this process alone). Every
    ///     process of the share calls this with the same arguments and gets the single process's result.
    /// - Returns: the result and, when asked for, the sample strip.
    public static func evaluate(_ model: any VideoPredictor, preset: String, step: Int, test: any VideoSequenceSource,
                                startFrame: Int, pixelReduction: Int = 1, data: String,
                                settings: EvaluationSettings, metrics: EvaluationMetrics = .basic, stripClips: Int = 0,
                                progress: ((Int, Int) -> Void)? = nil,
                                observe: ((EvaluationBatch) throws -> Void)? = nil,
                                share: EvaluationShare? = nil) throws -> (EvaluationResult, PNGImage?) {
        let contract = model.contract
        let started = Date()
        let all = try Batcher(source: test, batchSize: 1, clipLength: contract.clipLength,
                              order: .fixed(startFrame: startFrame), pixelReduction: pixelReduction, prefetch: 0)
        let available = all.eligibleSequences.count
        let total = Swift.min(settings.clips ?? available, available)
        let chosen = SequenceSubset(test, indices: evaluationClips(total, of: all.eligibleSequences))
        let batcher = try Batcher(source: chosen, batchSize: settings.batchSize, clipLength: contract.clipLength,
                                  order: .fixed(startFrame: startFrame), pixelReduction: pixelReduction, prefetch: 0)
        let (kinds, skipped) = metrics.feasible(clips: total, clipFrames: contract.clipLength,
                                                height: contract.height, width: contract.width)
        let accumulator = MetricAccumulator(metrics: kinds, lpips: metrics.lpips, i3d: metrics.i3d,
                                            realFeatureMemo: metrics.realFeatureMemo)
        var mseMeanParts: [FrameScores] = []
        var strip: PNGImage?
        var done = 0
        var index = 0
        var samplingSeconds = 0.0
        var generatedFrames = 0
        // A round is one batch per process: process r predicts the round's batch r (with the generator of
        // that batch's index, as a single process would) and sends it to the others; then every batch of
        // the round is scored in order. One process: a round is one batch.
        let processes = share?.count ?? 1, rank = share?.rank ?? 0
        // A deterministic model's samples are all equal: predict one and repeat it.
        let drawn = model.isStochastic ? settings.samples : 1
        while done < total {
            var round: [(batch: VideoBatch, index: Int)] = []
            var taken = done
            while round.count < processes, taken < total, var batch = try batcher.next() {
                if batch.batchSize > total - taken {
                    batch = VideoBatch(frames: batch.frames.sliced(axis: 0, 0..<(total - taken)))
                }
                try contract.check(batch.frames, minimumFrames: contract.clipLength, role: "test clips")
                round.append((batch, index))
                taken += batch.batchSize
                index += 1
            }
            if round.isEmpty { break }
            var predictions = [Tensor?](repeating: nil, count: round.count)
            if rank < round.count {
                let (batch, batchIndex) = round[rank]
                var rng = RandomGenerator(seed: settings.seed ^ (UInt64(batchIndex) &* 0x9E37_79B9_7F4A_7C15))
                let predictStart = Date()
                let predicted = noGrad {
                    model.predict(context: batch.frames(0..<contract.contextFrames), frameCount: contract.predictedFrames,
                                  sampleCount: drawn, rng: &rng)
                }
                samplingSeconds += Date().timeIntervalSince(predictStart)
                generatedFrames += batch.batchSize * drawn * contract.predictedFrames
                let expected = [batch.batchSize, drawn, contract.predictedFrames, contract.channels,
                                contract.height, contract.width]
                guard predicted.shape == expected else {
                    throw PredictorError.contractMismatch("\(model.modelName).predict returned \(predicted.shape), expected \(expected)")
                }
                predictions[rank] = predicted
            }
            for (r, item) in round.enumerated() {
                let shape = [item.batch.batchSize, drawn, contract.predictedFrames, contract.channels,
                             contract.height, contract.width]
                var predicted: Tensor
                if let share {
                    var values = predictions[r]?.scalars ?? [Float](repeating: 0, count: shape.reduce(1, *))
                    try share.broadcast(&values, r)
                    predicted = Tensor(shape: shape, scalars: values)
                } else {
                    predicted = predictions[r]!
                }
                let context = item.batch.frames(0..<contract.contextFrames)
                let truth = item.batch.frames(contract.contextFrames..<contract.clipLength)
                if drawn != settings.samples {
                    var expanded = shape
                    expanded[1] = settings.samples
                    predicted = predicted.expanded(to: expanded)
                }
                if stripClips > 0 && strip == nil {
                    let shown = model.isStochastic ? predicted : predicted.sliced(axis: 1, 0..<1)   // samples are equal
                    strip = FrameGrid.sampleStrip(context: context, truth: truth, samples: shown, clips: stripClips,
                                                  scale: Swift.max(1, 64 / Swift.max(contract.height, contract.width)))
                }
                let x = FrameImages.quantized(predicted), y = FrameImages.quantized(truth)
                let fvdContext = kinds.contains(.fvd) && contract.contextFrames > 0 ? FrameImages.quantized(context) : nil
                accumulator.add(samples: x, truth: y, context: fvdContext)
                if kinds.contains(.mse) { mseMeanParts.append(frameMSE(samples: x.mean(axes: [1], keepDims: true), truth: y)) }
                try observe?(EvaluationBatch(firstClip: done, context: context, truth: truth, quantizedSamples: x,
                                             quantizedTruth: y))
                done += item.batch.batchSize
                progress?(done, total)
            }
        }
        guard done > 0 else {
            throw PredictorError.contractMismatch("no test clip of \(contract.clipLength) frames to evaluate on")
        }
        var summaries: [MetricSummary] = []
        for kind in kinds {
            if kind == .mse {
                // One value per clip (of the sample mean): no best of S.
                var meanSummary = MetricSummary(FrameScores.concatenated(mseMeanParts), name: "mse_mean")
                meanSummary.bestOfSamples = nil
                summaries.append(meanSummary)
            }
            if let scores = accumulator.scores(kind) { summaries.append(MetricSummary(scores)) }
        }
        let notes = metrics.notes + skipped
        let result = EvaluationResult(model: model.modelName, preset: preset, step: step, clips: done,
                                      samples: settings.samples, contextFrames: contract.contextFrames,
                                      predictedFrames: contract.predictedFrames, seed: settings.seed, data: data,
                                      metrics: summaries, fvd: try accumulator.fvdResult(),
                                      notes: notes.isEmpty ? nil : notes, seconds: Date().timeIntervalSince(started),
                                      samplingSeconds: samplingSeconds, generatedFrames: generatedFrames)
        return (result, strip)
    }
}

/// Which of the eligible sequences evaluation uses: all, or `count` spread evenly over them.
func evaluationClips(_ count: Int, of eligible: [Int]) -> [Int] {
    guard count < eligible.count else { return eligible }
    return (0..<count).map { eligible[$0 * eligible.count / count] }
}

/// Some sequences of a source, in the order given.
struct SequenceSubset: VideoSequenceSource {
    let base: any VideoSequenceSource
    let indices: [Int]

    init(_ base: any VideoSequenceSource, indices: [Int]) {
        self.base = base
        self.indices = indices
    }

    var sequenceCount: Int { indices.count }
    var height: Int { base.height }
    var width: Int { base.width }
    var channels: Int { base.channels }
    func frameCount(ofSequence index: Int) -> Int { base.frameCount(ofSequence: indices[index]) }
    func copyFrames(sequence index: Int, start: Int, count: Int, into destination: UnsafeMutablePointer<UInt8>) throws {
        try base.copyFrames(sequence: indices[index], start: start, count: count, into: destination)
    }
}
