// Per-frame mean squared error and peak signal-to-noise ratio of every sample against the truth.
//
// For one frame (all channels and pixels together), on the 0-255 scale:
//     MSE  = mean over C, H, W of (x − y)²
//     PSNR = 10 · log10(R² / MSE)         R = the data range, 255
// as `skimage.metrics.peak_signal_noise_ratio(y, x, data_range=255)` per frame. Identical frames (MSE 0)
// score `psnrCeiling` (100 dB) instead of +∞, so means stay finite; two 8-bit frames that differ in one
// value out of fewer than ~10^5.8 score less than that anyway. Accumulation is in Double.

import Foundation
import ZooTensor
import ZooNN
import ZooData

/// The PSNR of identical frames (instead of +∞).
public let psnrCeiling = 100.0

/// PSNR in dB of a mean squared error for the given data range, capped at `psnrCeiling`.
public func psnr(mse: Double, dataRange: Double = 255) -> Double {
    guard mse > 0 else { return psnrCeiling }
    return Swift.min(psnrCeiling, 10 * log10(dataRange * dataRange / mse))
}

/// Per-frame mean squared error of each sample: values [B, S, T]; lower is better.
///
/// - Parameters:
///   - samples: [B, S, T, C, H, W] (0-255 for the usual scale).
///   - truth: [B, T, C, H, W] on the same scale.
public func frameMSE(samples: Tensor, truth: Tensor) -> FrameScores {
    let d = checkPredictionShapes(samples: samples, truth: truth, metric: "mse")
    return FrameScores(metric: "mse", higherIsBetter: false, clips: d.b, samples: d.s, frames: d.t,
                       values: squaredErrors(samples: samples, truth: truth))
}

/// Per-frame PSNR of each sample on the 0-255 scale (data range 255): values [B, S, T]; higher is better.
/// `.mean` averages over frames, samples and clips; `.bestOfSamples` takes each clip's best sample.
public func psnr(samples: Tensor, truth: Tensor, dataRange: Double = 255) -> FrameScores {
    let d = checkPredictionShapes(samples: samples, truth: truth, metric: "psnr")
    let values = squaredErrors(samples: samples, truth: truth).map { psnr(mse: $0, dataRange: dataRange) }
    return FrameScores(metric: "psnr", higherIsBetter: true, clips: d.b, samples: d.s, frames: d.t, values: values)
}

/// Mean squared error per (clip, sample, frame), [B · S · T].
private func squaredErrors(samples: Tensor, truth: Tensor) -> [Double] {
    let sh = samples.shape
    let (b, s, t) = (sh[0], sh[1], sh[2])
    let frameSize = sh[3] * sh[4] * sh[5]
    var out = [Double](repeating: 0, count: b * s * t)
    let x = samples.storage.pointer
    let y = truth.storage.pointer
    out.withUnsafeMutableBufferPointer { result in
        let result = result
        Parallel.forChunks(b * s * t, minimumWork: 65_536, costPerItem: frameSize) { range in
            for item in range {
                let clip = item / (s * t)
                let frame = item % t
                let xs = x + item * frameSize
                let ys = y + (clip * t + frame) * frameSize
                var sum = 0.0
                for p in 0..<frameSize {
                    let e = Double(xs[p]) - Double(ys[p])
                    sum += e * e
                }
                result[item] = sum / Double(frameSize)
            }
        }
    }
    return out
}
