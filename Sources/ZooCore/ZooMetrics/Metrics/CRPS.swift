// The continuous ranked probability score of an ensemble of predicted videos, per pixel and channel.
//
// For one pixel and channel with truth y and samples x_1..x_S (the ensemble estimator, the empirical
// distribution of the samples in place of the forecast distribution):
//     CRPS = (1/S) Σ_s |x_s − y| − 1/(2S²) Σ_{s,s'} |x_s − x_s'|
// The pair sum is computed in O(S log S) from the sorted samples x_(1) ≤ … ≤ x_(S):
//     Σ_{s,s'} |x_s − x_s'| = 2 Σ_k (2k − S − 1) x_(k)        (k = 1..S)
// so CRPS = (1/S) Σ_s |x_s − y| − (1/S²) Σ_k (2k − S − 1) x_(k). This is the estimator of
// `properscoring.crps_ensemble` (equal weights) and the reading of the RVD paper's per-pixel CRPS in
// docs/models/rvd.md §12; with one sample it is the absolute error. Values are on the scale of the
// inputs: the paper reports 0-255. Accumulation is in Double.

/// CRPS of S-sample predictions against the truth, averaged over pixels and channels for each clip and frame.
///
/// - Parameters:
///   - samples: [B, S, T, C, H, W], pixel values on the 0-255 scale (any scale works; the score has the
///     inputs' units).
///   - truth: [B, T, C, H, W] on the same scale.
/// - Returns: ensemble scores (`isEnsemble`), one value per clip and frame; `.mean` is the number the paper
///   reports and `.mean.perFrame` its per-frame curve. Lower is better.
import ZooTensor
import ZooNN
import ZooData

public func crps(samples: Tensor, truth: Tensor) -> FrameScores {
    let d = checkPredictionShapes(samples: samples, truth: truth, metric: "crps")
    let values = crpsKernel(samples: samples, truth: truth, map: nil)
    return FrameScores(metric: "crps", higherIsBetter: false, clips: d.b, samples: d.s, frames: d.t, isEnsemble: true,
                       values: values)
}

/// The per-pixel CRPS: [B, T, C, H, W] (Float), each element the ensemble score of one pixel and channel.
/// Averaging it over C, H, W gives `crps(samples:truth:)`'s values.
public func crpsMap(samples: Tensor, truth: Tensor) -> Tensor {
    _ = checkPredictionShapes(samples: samples, truth: truth, metric: "crpsMap")
    let map = Tensor.uninitialized(truth.shape)
    _ = crpsKernel(samples: samples, truth: truth, map: map.storage.pointer)
    return map
}

/// `crps(samples:truth:)` and `crpsMap(samples:truth:)` from one pass.
public func crpsWithMap(samples: Tensor, truth: Tensor) -> (scores: FrameScores, map: Tensor) {
    let d = checkPredictionShapes(samples: samples, truth: truth, metric: "crps")
    let map = Tensor.uninitialized(truth.shape)
    let values = crpsKernel(samples: samples, truth: truth, map: map.storage.pointer)
    return (FrameScores(metric: "crps", higherIsBetter: false, clips: d.b, samples: d.s, frames: d.t, isEnsemble: true,
                        values: values), map)
}

/// The CRPS of one pixel: `values` holds the S samples (it is sorted in place), `y` the truth.
@inline(__always)
func crpsEnsemble(_ values: UnsafeMutableBufferPointer<Float>, truth y: Float) -> Double {
    let s = values.count
    var absError = 0.0
    let yd = Double(y)
    for v in values { absError += Swift.abs(Double(v) - yd) }
    // Insertion sort: S is small (10 by default), and this keeps the loop allocation-free.
    if s > 1 {
        for i in 1..<s {
            let v = values[i]
            var j = i - 1
            while j >= 0 && values[j] > v { values[j + 1] = values[j]; j -= 1 }
            values[j + 1] = v
        }
    }
    var spread = 0.0
    for k in 0..<s { spread += Double(2 * (k + 1) - s - 1) * Double(values[k]) }
    let n = Double(s)
    return absError / n - spread / (n * n)
}

/// Per (clip, frame) CRPS means, optionally writing the per-pixel scores into `map` ([B, T, C, H, W]).
private func crpsKernel(samples: Tensor, truth: Tensor, map: UnsafeMutablePointer<Float>?) -> [Double] {
    let sh = samples.shape
    let (b, s, t) = (sh[0], sh[1], sh[2])
    let frameSize = sh[3] * sh[4] * sh[5]
    var out = [Double](repeating: 0, count: b * t)
    let x = samples.storage.pointer
    let y = truth.storage.pointer
    out.withUnsafeMutableBufferPointer { result in
        let result = result
        Parallel.forChunks(b * t, minimumWork: 16_384, costPerItem: frameSize * s) { range in
            let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: s)
            defer { scratch.deallocate() }
            for item in range {
                let (clip, frame) = (item / t, item % t)
                let truthBase = item * frameSize
                var sum = 0.0
                for p in 0..<frameSize {
                    for k in 0..<s { scratch[k] = x[((clip * s + k) * t + frame) * frameSize + p] }
                    let score = crpsEnsemble(scratch, truth: y[truthBase + p])
                    if let map { map[truthBase + p] = Float(score) }
                    sum += score
                }
                result[item] = sum / Double(frameSize)
            }
        }
    }
    return out
}
