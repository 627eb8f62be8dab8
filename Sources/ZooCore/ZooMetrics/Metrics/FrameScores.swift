// Per-frame metric values over clips and samples, and the averages every report prints.
//
// Every metric here is computed per clip, per sample and per predicted frame and kept at that resolution
// (`FrameScores.values`, [clips, samples, frames]), so batches computed one after another can be joined and
// the report (the mean, best-of-S, the per-frame curve) is derived in one place.
//
// Layouts: predictions are [B, S, T, C, H, W] (S samples per clip) and truth [B, T, C, H, W] (Layout.swift),
// pixel values on the 0-255 scale for CRPS, PSNR, SSIM and MSE.

/// A metric's average and its per-frame curve.
import ZooTensor
import ZooNN
import ZooData

public struct MetricCurve: Sendable, Equatable, Codable {
    /// The average over clips, samples and frames.
    public var mean: Double
    /// The average over clips and samples for each predicted frame.
    public var perFrame: [Double]

    /// Creates a curve.
    public init(mean: Double, perFrame: [Double]) {
        self.mean = mean
        self.perFrame = perFrame
    }
}

/// One metric's values for every clip, sample and frame.
///
/// A per-sample metric (PSNR, SSIM, MSE, LPIPS) has one value per sample. An ensemble metric (CRPS) has one
/// value per clip and frame computed from all the samples together (`isEnsemble`; `valueSamples` is 1 while
/// `samples` still counts the ensemble size).
public struct FrameScores: Sendable, Equatable, Codable {
    /// The metric's name ("crps", "psnr", "ssim", "mse", "lpips").
    public var metric: String
    /// Whether larger values are better (PSNR, SSIM); best-of-S picks accordingly.
    public var higherIsBetter: Bool
    /// Number of clips.
    public var clips: Int
    /// Samples per clip behind the values.
    public var samples: Int
    /// Predicted frames per clip.
    public var frames: Int
    /// Whether one value stands for all the samples of a clip (CRPS).
    public var isEnsemble: Bool
    /// The values, [clips, valueSamples, frames] row-major.
    public var values: [Double]

    /// Creates scores; `values.count` must be `clips · valueSamples · frames`.
    public init(metric: String, higherIsBetter: Bool, clips: Int, samples: Int, frames: Int, isEnsemble: Bool = false,
                values: [Double]) {
        self.metric = metric
        self.higherIsBetter = higherIsBetter
        self.clips = clips
        self.samples = samples
        self.frames = frames
        self.isEnsemble = isEnsemble
        self.values = values
        require(values.count == clips * valueSamples * frames,
                     "FrameScores(\(metric)): \(values.count) values for \(clips)x\(valueSamples)x\(frames)")
    }

    /// Values per clip and frame: `samples` for per-sample metrics, 1 for ensemble metrics.
    public var valueSamples: Int { isEnsemble ? 1 : samples }

    /// The value for one clip, sample (0 for ensemble metrics) and frame.
    public func value(clip: Int, sample: Int, frame: Int) -> Double {
        values[(clip * valueSamples + sample) * frames + frame]
    }

    /// The average over clips, samples and frames, with the per-frame curve (average over clips and samples).
    public var mean: MetricCurve {
        var perFrame = [Double](repeating: 0, count: frames)
        for row in 0..<(clips * valueSamples) {
            for t in 0..<frames { perFrame[t] += values[row * frames + t] }
        }
        let rows = Double(Swift.max(clips * valueSamples, 1))
        perFrame = perFrame.map { $0 / rows }
        let mean = perFrame.isEmpty ? 0 : perFrame.reduce(0, +) / Double(frames)
        return MetricCurve(mean: mean, perFrame: perFrame)
    }

    /// Best of S: for each clip, the sample whose average over the frames is best (highest when
    /// `higherIsBetter`, else lowest; the first on ties), then that sample's values averaged over clips.
    /// `nil` for ensemble metrics. (The SVG / SAVP convention picks per frame instead; picking one sample
    /// per clip keeps the curve a curve of real samples.)
    public var bestOfSamples: MetricCurve? {
        guard !isEnsemble, clips > 0 else { return nil }
        var perFrame = [Double](repeating: 0, count: frames)
        for b in 0..<clips {
            let best = bestSample(clip: b)
            for t in 0..<frames { perFrame[t] += value(clip: b, sample: best, frame: t) }
        }
        perFrame = perFrame.map { $0 / Double(clips) }
        let mean = perFrame.isEmpty ? 0 : perFrame.reduce(0, +) / Double(frames)
        return MetricCurve(mean: mean, perFrame: perFrame)
    }

    /// The index of the best sample of a clip by its average over frames.
    public func bestSample(clip b: Int) -> Int {
        var best = 0
        var bestValue = 0.0
        for s in 0..<valueSamples {
            var sum = 0.0
            for t in 0..<frames { sum += value(clip: b, sample: s, frame: t) }
            if s == 0 || (higherIsBetter ? sum > bestValue : sum < bestValue) { best = s; bestValue = sum }
        }
        return best
    }

    /// Scores of consecutive batches of clips joined into one (same metric, samples and frames).
    public static func concatenated(_ parts: [FrameScores]) -> FrameScores {
        guard let first = parts.first else { requirementFailed("FrameScores.concatenated: no parts") }
        for p in parts {
            require(p.metric == first.metric && p.samples == first.samples && p.frames == first.frames
                         && p.isEnsemble == first.isEnsemble,
                         "FrameScores.concatenated: \(p.metric) \(p.samples)x\(p.frames) does not match the first part")
        }
        return FrameScores(metric: first.metric, higherIsBetter: first.higherIsBetter,
                           clips: parts.reduce(0) { $0 + $1.clips }, samples: first.samples, frames: first.frames,
                           isEnsemble: first.isEnsemble, values: parts.flatMap(\.values))
    }
}

/// The shared shape check of the sample metrics: samples [B, S, T, C, H, W] against truth [B, T, C, H, W].
/// - Returns: (B, S, T, C, H, W).
func checkPredictionShapes(samples: Tensor, truth: Tensor, metric: String)
    -> (b: Int, s: Int, t: Int, c: Int, h: Int, w: Int)
{
    require(samples.rank == 6, "\(metric): samples must be [B, S, T, C, H, W], got \(samples.shape)")
    require(truth.rank == 5, "\(metric): truth must be [B, T, C, H, W], got \(truth.shape)")
    let s = samples.shape
    require(truth.shape == [s[0], s[2], s[3], s[4], s[5]],
                 "\(metric): truth \(truth.shape) does not match samples \(s) ([B, T, C, H, W] vs [B, S, T, C, H, W])")
    require(s[1] >= 1, "\(metric): needs at least one sample")
    return (s[0], s[1], s[2], s[3], s[4], s[5])
}
