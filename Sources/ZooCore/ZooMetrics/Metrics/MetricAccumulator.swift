// Every metric of the protocol over batches of clips: `zoo metrics` feeds predictions read from files, and an
// evaluation driver can feed a model's predictions the same way.
//
// Per batch: samples [B, S, T, C, H, W] and truth [B, T, C, H, W] of the predicted frames, the context
// [B, K, C, H, W] when FVD is wanted, everything on the 0-255 scale (quantise model outputs first). FVD takes the
// first sample of each clip with its context in front (the clip the I3D sees) against the true clip.

import Foundation
import ZooTensor
import ZooNN
import ZooData

/// A metric the accumulator can compute.
public enum MetricKind: String, CaseIterable, Sendable, Codable {
    case crps, mse, psnr, ssim, lpips, fvd

    /// Parses a comma-separated list ("crps,psnr,ssim,lpips,fvd"; "all" for every one).
    public static func parseList(_ text: String) throws -> [MetricKind] {
        if text == "all" { return allCases }
        var out: [MetricKind] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !part.isEmpty {
            guard let kind = MetricKind(rawValue: part) else {
                throw MetricListError(text: "unknown metric '\(part)'; choose from \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !out.contains(kind) { out.append(kind) }
        }
        if out.isEmpty { throw MetricListError(text: "no metric named in '\(text)'") }
        return out
    }
}

/// A bad `--metrics` list.
public struct MetricListError: Error, CustomStringConvertible {
    public var text: String
    public var description: String { text }
}

/// I3D features of clips seen before, found by their content. Evaluations of several models on the same test
/// clips (`zoo compare`) share one memo, so the real side of FVD is computed once instead of once per model. A
/// hit compares the whole clip tensor (shape and every value), so a reused feature is always that of exactly
/// these frames; the I3D forward pass is deterministic, so the numbers are those of a fresh computation.
public final class I3DFeatureMemo: @unchecked Sendable {
    private var entries: [Int: [(shape: [Int], values: [Float], features: Tensor)]] = [:]
    private let lock = NSLock()
    private var hitCount = 0

    public init() {}

    /// How many look-ups found their clips (a test and report aid).
    public var hits: Int { lock.lock(); defer { lock.unlock() }; return hitCount }

    /// The features of `clips`: remembered, or computed by `compute` and remembered.
    func features(of clips: Tensor, compute: () -> Tensor) -> Tensor {
        let values = clips.scalars
        var hasher = Hasher()
        hasher.combine(clips.shape)
        for v in values { hasher.combine(v.bitPattern) }
        let key = hasher.finalize()
        lock.lock()
        if let hit = entries[key]?.first(where: { $0.shape == clips.shape && $0.values == values }) {
            hitCount += 1
            lock.unlock()
            return hit.features
        }
        lock.unlock()
        let features = compute()
        lock.lock()
        entries[key, default: []].append((clips.shape, values, features))
        lock.unlock()
        return features
    }
}

/// Accumulates metric values over batches of clips.
public final class MetricAccumulator {
    /// The metrics computed, in order.
    public let metrics: [MetricKind]
    let lpipsNetwork: LPIPSNetwork?
    let i3dNetwork: I3DNetwork?
    let i3dBatchSize: Int
    /// Where the real clips' I3D features are remembered across accumulators (nil: computed every time).
    let realFeatureMemo: I3DFeatureMemo?
    var parts: [MetricKind: [FrameScores]] = [:]
    var realFeatures: [Tensor] = []
    var generatedFeatures: [Tensor] = []
    var clipFrames = 0
    var mapSum: Tensor?
    var mapClips = 0

    /// Creates an accumulator; LPIPS and FVD need their networks.
    public init(metrics: [MetricKind], lpips: LPIPSNetwork? = nil, i3d: I3DNetwork? = nil, i3dBatchSize: Int = 2,
                realFeatureMemo: I3DFeatureMemo? = nil) {
        require(!metrics.contains(.lpips) || lpips != nil, "MetricAccumulator: LPIPS needs its network")
        require(!metrics.contains(.fvd) || i3d != nil, "MetricAccumulator: FVD needs the I3D network")
        self.metrics = metrics
        lpipsNetwork = lpips
        i3dNetwork = i3d
        self.i3dBatchSize = i3dBatchSize
        self.realFeatureMemo = realFeatureMemo
    }

    /// Creates an accumulator with the pretrained networks the metrics need, from the weights folder.
    /// - Throws: `MetricWeightsError.missing` (saying how to get them) when a network's weights are absent.
    public static func withPretrainedNetworks(metrics: [MetricKind], weightsDirectory: String? = nil,
                                              i3dBatchSize: Int = 2) throws -> MetricAccumulator {
        let lpips = metrics.contains(.lpips) ? try LPIPSNetwork.pretrained(in: weightsDirectory) : nil
        let i3d = metrics.contains(.fvd) ? try I3DNetwork.pretrained(in: weightsDirectory) : nil
        return MetricAccumulator(metrics: metrics, lpips: lpips, i3d: i3d, i3dBatchSize: i3dBatchSize)
    }

    /// Adds a batch of clips (0-255 scale).
    ///
    /// - Parameters:
    ///   - samples: [B, S, T, C, H, W] predicted frames.
    ///   - truth: [B, T, C, H, W] the true frames they predict.
    ///   - context: [B, K, C, H, W] the frames before them (needed only by FVD; nil = none).
    ///   - progress: FVD's I3D progress, (clips done, clips in this batch · 2).
    public func add(samples: Tensor, truth: Tensor, context: Tensor? = nil, progress: ((Int, Int) -> Void)? = nil) {
        let d = checkPredictionShapes(samples: samples, truth: truth, metric: "metrics")
        for metric in metrics {
            let scores: FrameScores
            switch metric {
            case .crps:
                let (crpsScores, map) = crpsWithMap(samples: samples, truth: truth)
                scores = crpsScores
                let clipSum = noGrad { map.sum(axes: [0, 2]) }
                mapSum = mapSum.map { $0 + clipSum } ?? clipSum
                mapClips += d.b * d.c
            case .mse: scores = frameMSE(samples: samples, truth: truth)
            case .psnr: scores = psnr(samples: samples, truth: truth)
            case .ssim: scores = ssim(samples: samples, truth: truth)
            case .lpips: scores = lpips(samples: samples, truth: truth, network: lpipsNetwork!)
            case .fvd:
                let first = samples.selecting(axis: 1, 0)
                let real = context.map { concat([$0, truth], axis: 1) } ?? truth
                let generated = context.map { concat([$0, first], axis: 1) } ?? first
                clipFrames = real.shape[1]
                let computeReal = {
                    i3dFeatures(real, network: self.i3dNetwork!, batchSize: self.i3dBatchSize) { done, n in progress?(done, 2 * n) }
                }
                realFeatures.append(realFeatureMemo.map { $0.features(of: real, compute: computeReal) } ?? computeReal())
                generatedFeatures.append(i3dFeatures(generated, network: i3dNetwork!, batchSize: i3dBatchSize) { done, n in
                    progress?(n + done, 2 * n)
                })
                continue
            }
            parts[metric, default: []].append(scores)
        }
    }

    /// The per-frame scores of a metric over every batch so far (nil for FVD or a metric not computed).
    public func scores(_ metric: MetricKind) -> FrameScores? {
        guard let list = parts[metric], !list.isEmpty else { return nil }
        return FrameScores.concatenated(list)
    }

    /// FVD over every clip so far (nil when not computed).
    /// - Throws: `LinearAlgebraError`; a precondition stops fewer than 2 clips.
    public func fvdResult() throws -> FVDResult? {
        guard metrics.contains(.fvd), !realFeatures.isEmpty else { return nil }
        let a = concat(realFeatures, axis: 0), b = concat(generatedFeatures, axis: 0)
        return FVDResult(fvd: try frechetDistance(features: a, b), realClips: a.shape[0], generatedClips: b.shape[0],
                         frames: clipFrames)
    }

    /// The CRPS map averaged over clips and channels so far, [T, H, W] (nil without CRPS).
    public var crpsMapMean: Tensor? {
        guard let mapSum, mapClips > 0 else { return nil }
        return noGrad { mapSum / Float(mapClips) }
    }
}
