// Structural similarity (SSIM) per frame, with the Gaussian window of Wang et al. (2004).
//
// For one channel of a frame, with truth y and sample x (float64), local statistics are Gaussian-weighted
// averages over an 11x11 window (σ = 1.5, weights exp(−k²/2σ²) for k = −5..5, normalised; separable):
//     μx = G∗x   μy = G∗y   σx² = G∗x² − μx²   σy² = G∗y² − μy²   σxy = G∗xy − μx μy
//     SSIM map = (2 μx μy + C1)(2 σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2))
//     C1 = (K1 R)², C2 = (K2 R)², K1 = 0.01, K2 = 0.03, R = 255 (the data range)
// and the frame's SSIM is the mean of the map over the valid region (window centres at least 5 pixels from
// every edge: (H − 10) x (W − 10) positions); colour frames average the channels' values.
//
// This is exactly `skimage.metrics.structural_similarity(y, x, gaussian_weights=True, sigma=1.5,
// use_sample_covariance=False, data_range=255, channel_axis=...)`: skimage filters the whole image with
// reflected borders and then crops 5 pixels from each edge before the mean, and the cropped positions are the
// ones whose window never reaches the border. (Wang's MATLAB `ssim_index` and its 'valid' filter agree.)

import Foundation
import ZooTensor
import ZooNN
import ZooData

/// SSIM constants and window.
public enum SSIMParameters {
    /// Window radius: 11 taps.
    public static let radius = 5
    /// The smallest frame side the window fits in (11).
    public static let minimumSize = 2 * radius + 1
    /// Gaussian σ.
    public static let sigma = 1.5
    /// Luminance constant factor.
    public static let k1 = 0.01
    /// Contrast constant factor.
    public static let k2 = 0.03

    /// The normalised 1-D Gaussian taps (as scipy's `gaussian_filter1d` with truncate 3.5).
    public static let taps: [Double] = {
        let raw = (-radius...radius).map { k in exp(-0.5 * Double(k * k) / (sigma * sigma)) }
        let sum = raw.reduce(0, +)
        return raw.map { $0 / sum }
    }()
}

/// Per-frame SSIM of each sample against the truth: values [B, S, T]; higher is better (1 for identical
/// frames).
///
/// - Parameters:
///   - samples: [B, S, T, C, H, W] (0-255 for the usual scale); H and W at least 11.
///   - truth: [B, T, C, H, W] on the same scale.
///   - dataRange: R in the constants (255 for 8-bit frames).
public func ssim(samples: Tensor, truth: Tensor, dataRange: Double = 255) -> FrameScores {
    let d = checkPredictionShapes(samples: samples, truth: truth, metric: "ssim")
    let window = 2 * SSIMParameters.radius + 1
    require(d.h >= window && d.w >= window, "ssim: frames must be at least \(window)x\(window), got \(d.h)x\(d.w)")
    let plane = d.h * d.w
    let frameSize = d.c * plane
    var out = [Double](repeating: 0, count: d.b * d.s * d.t)
    let x = samples.storage.pointer
    let y = truth.storage.pointer
    out.withUnsafeMutableBufferPointer { result in
        let result = result
        Parallel.forChunks(d.b * d.s * d.t, minimumWork: 4_096, costPerItem: frameSize * 8) { range in
            var filter = SSIMFilter(height: d.h, width: d.w, dataRange: dataRange)
            for item in range {
                let clip = item / (d.s * d.t)
                let frame = item % d.t
                var sum = 0.0
                for c in 0..<d.c {
                    sum += filter.ssim(x + item * frameSize + c * plane,
                                       y + (clip * d.t + frame) * frameSize + c * plane)
                }
                result[item] = sum / Double(d.c)
            }
        }
    }
    return FrameScores(metric: "ssim", higherIsBetter: true, clips: d.b, samples: d.s, frames: d.t, values: out)
}

/// SSIM of one channel plane pair (a sample `x` against the truth `y`, both H x W row-major).
public func ssimPlane(_ x: [Float], _ y: [Float], height: Int, width: Int, dataRange: Double = 255) -> Double {
    require(x.count == height * width && y.count == height * width, "ssimPlane: planes must be \(height)x\(width)")
    var filter = SSIMFilter(height: height, width: width, dataRange: dataRange)
    return x.withUnsafeBufferPointer { xb in y.withUnsafeBufferPointer { yb in filter.ssim(xb.baseAddress!, yb.baseAddress!) } }
}

/// Scratch buffers and the separable valid Gaussian filter for one plane size.
private struct SSIMFilter {
    let height: Int, width: Int
    let c1: Double, c2: Double
    /// Five horizontally filtered planes, H x (W − 10) each: x, y, x², y², xy.
    var rows: [Double]
    let taps = SSIMParameters.taps

    init(height: Int, width: Int, dataRange: Double) {
        self.height = height
        self.width = width
        c1 = (SSIMParameters.k1 * dataRange) * (SSIMParameters.k1 * dataRange)
        c2 = (SSIMParameters.k2 * dataRange) * (SSIMParameters.k2 * dataRange)
        rows = [Double](repeating: 0, count: 5 * height * (width - 2 * SSIMParameters.radius))
    }

    /// The mean SSIM map over the valid region.
    mutating func ssim(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Double {
        let r = SSIMParameters.radius
        let n = 2 * r + 1
        let ow = width - 2 * r, oh = height - 2 * r
        let planeSize = height * ow
        let (h, w, c1, c2) = (height, width, c1, c2)
        return taps.withUnsafeBufferPointer { g in
            rows.withUnsafeMutableBufferPointer { rowBuffer in
                let f = rowBuffer.baseAddress!
                // Horizontal pass over each row: the five products filtered along W.
                for i in 0..<h {
                    for j in 0..<ow {
                        var sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0
                        let base = i * w + j
                        for k in 0..<n {
                            let a = Double(x[base + k]), b = Double(y[base + k]), gk = g[k]
                            sx += gk * a; sy += gk * b
                            sxx += gk * a * a; syy += gk * b * b; sxy += gk * a * b
                        }
                        let o = i * ow + j
                        f[o] = sx; f[planeSize + o] = sy; f[2 * planeSize + o] = sxx
                        f[3 * planeSize + o] = syy; f[4 * planeSize + o] = sxy
                    }
                }
                // Vertical pass and the SSIM map, summed over the valid positions.
                var total = 0.0
                for i in 0..<oh {
                    for j in 0..<ow {
                        var mx = 0.0, my = 0.0, mxx = 0.0, myy = 0.0, mxy = 0.0
                        for k in 0..<n {
                            let o = (i + k) * ow + j, gk = g[k]
                            mx += gk * f[o]; my += gk * f[planeSize + o]
                            mxx += gk * f[2 * planeSize + o]; myy += gk * f[3 * planeSize + o]
                            mxy += gk * f[4 * planeSize + o]
                        }
                        let vx = mxx - mx * mx, vy = myy - my * my, vxy = mxy - mx * my
                        total += ((2 * mx * my + c1) * (2 * vxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
                    }
                }
                return total / Double(oh * ow)
            }
        }
    }
}
