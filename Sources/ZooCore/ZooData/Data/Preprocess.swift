// Frame preprocessing for imports: channel conversion (PIL-exact grayscale), PIL-exact bilinear
// resizing, short-side resize + centre crop (torchvision semantics), and the dataset splits of the
// reference code (data/load_dataset.py of buggyyang/RVD; docs/models/rvd.md §13).
//
// Matches: Pillow's `Image.convert("L")` (integer ITU-R 601-2 luma, bit-exact) and Pillow 13's
// `Image.resize(size, BILINEAR)` for 8-bit images (Resample.c: a triangle filter widened by the scale
// factor when shrinking, so downscaling is antialiased; two separable passes, each rounded to 8 bits;
// 22-bit fixed-point coefficients) — bit-exact on every case in the tests. torchvision's `Resize(int)` on a PIL
// image is this resize with the short side set to `size` and the long side `int(size * long / short)`;
// `CenterCrop` takes the offset `round((in - out) / 2)` with Python's round-half-to-even.

import Foundation
import ZooTensor

/// Pure functions on 8-bit `[height, width, channels]` frames.
public enum Preprocess {
    // MARK: - Channels

    /// PIL "L" luma of one RGB pixel: L = R·299/1000 + G·587/1000 + B·114/1000, rounded, in the 16-bit
    /// fixed point Pillow uses (19595, 38470, 7471; +0x8000; >> 16).
    @inline(__always)
    public static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        let red: UInt32 = UInt32(r) &* 19595
        let green: UInt32 = UInt32(g) &* 38470
        let blue: UInt32 = UInt32(b) &* 7471
        return UInt8(truncatingIfNeeded: (red &+ green &+ blue &+ 0x8000) >> 16)
    }

    /// Converts interleaved pixels between channel counts. 1 (gray), 2 (gray + alpha), 3 (RGB) and
    /// 4 (RGBA) convert to 1 or 3: alpha is dropped (not composited), colour becomes PIL "L" luma, gray is
    /// replicated to RGB.
    public static func convertChannels(_ pixels: [UInt8], from source: Int, to target: Int) -> [UInt8] {
        require((1...4).contains(source) && (target == 1 || target == 3),
                     "convertChannels: \(source) -> \(target) channels is not supported")
        if source == target { return pixels }
        let count = pixels.count / source
        var out = [UInt8](repeating: 0, count: count * target)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<count {
                    let p = i * source
                    if target == 1 {
                        dst[i] = source >= 3 ? luma(src[p], src[p + 1], src[p + 2]) : src[p]
                    } else if source >= 3 {
                        dst[3 * i] = src[p]; dst[3 * i + 1] = src[p + 1]; dst[3 * i + 2] = src[p + 2]
                    } else {
                        dst[3 * i] = src[p]; dst[3 * i + 1] = src[p]; dst[3 * i + 2] = src[p]
                    }
                }
            }
        }
        return out
    }

    // MARK: - Resize (Pillow BILINEAR)

    private static let precisionBits = 32 - 8 - 2

    /// Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for the bilinear filter: per output index
    /// the first input index and tap count, and `stride` 22-bit fixed-point weights.
    private struct Coefficients {
        var starts: [Int] = []
        var counts: [Int] = []
        var weights: [Int32] = []
        var stride = 0

        init(inSize: Int, outSize: Int) {
            let scale = Double(inSize) / Double(outSize)
            let filterScale = Swift.max(scale, 1.0)
            let support = 1.0 * filterScale
            stride = Int(support.rounded(.up)) * 2 + 1
            weights = [Int32](repeating: 0, count: outSize * stride)
            for xx in 0..<outSize {
                let center = (Double(xx) + 0.5) * scale
                let inverse = 1.0 / filterScale
                let xmin = Swift.max(0, Int(center - support + 0.5))
                let taps = Swift.max(0, Swift.min(inSize, Int(center + support + 0.5)) - xmin)
                var raw = [Double](repeating: 0, count: taps)
                var total = 0.0
                for x in 0..<taps {
                    let t = Swift.abs((Double(x + xmin) - center + 0.5) * inverse)
                    raw[x] = t < 1.0 ? 1.0 - t : 0.0
                    total += raw[x]
                }
                for x in 0..<taps {
                    let w = total != 0 ? raw[x] / total : raw[x]
                    let scaled = w * Double(1 << Preprocess.precisionBits)
                    weights[xx * stride + x] = Int32(w < 0 ? -0.5 + scaled : 0.5 + scaled)
                }
                starts.append(xmin)
                counts.append(taps)
            }
        }
    }

    @inline(__always)
    private static func clip8(_ value: Int32) -> UInt8 {
        if value >= Int32(1 << precisionBits) << 8 { return 255 }
        if value <= 0 { return 0 }
        return UInt8(value >> Int32(precisionBits))
    }

    /// Resizes `[height, width, channels]` pixels to `[outHeight, outWidth, channels]` exactly as
    /// Pillow 13's `Image.resize((outWidth, outHeight), Image.BILINEAR)` does for 8-bit images
    /// (antialiased when shrinking). Equal sizes return the input.
    ///
    /// Pass order follows Pillow 13: the vertical pass runs first when the height shrinks by more than
    /// twice as many pixels as the width (Pillow ≤ 12 always ran the horizontal pass first; the two
    /// orders differ by ±1 on some pixels). Common dataset sizes (KTH 160x120 → 64x64, Cityscapes
    /// 2048x1024 → 256x128) run horizontal first in every Pillow version.
    public static func resizeBilinear(_ pixels: [UInt8], width: Int, height: Int, channels: Int,
                                      toWidth outWidth: Int, height outHeight: Int) -> [UInt8] {
        require(pixels.count == width * height * channels, "resizeBilinear: pixel count mismatch")
        require(outWidth > 0 && outHeight > 0, "resizeBilinear: empty output size")
        let needHorizontal = outWidth != width, needVertical = outHeight != height
        guard needHorizontal || needVertical else { return pixels }
        let vertical = Coefficients(inSize: height, outSize: outHeight)
        let horizontal = Coefficients(inSize: width, outSize: outWidth)
        let verticalFirst = outHeight < height && height - outHeight > 2 * (width - outWidth)
        if verticalFirst {
            let rows = resampleVertical(pixels, rowLength: width * channels, coefficients: vertical,
                                        rowShift: 0, outHeight: outHeight)
            guard needHorizontal else { return rows }
            return resampleHorizontal(rows, width: width, channels: channels, coefficients: horizontal,
                                      firstRow: 0, rowCount: outHeight, outWidth: outWidth)
        }
        guard needHorizontal else {
            return resampleVertical(pixels, rowLength: width * channels, coefficients: vertical,
                                    rowShift: 0, outHeight: outHeight)
        }
        // Horizontal pass over only the rows the vertical pass will use (Pillow's ybox).
        let first = needVertical ? vertical.starts[0] : 0
        let last = needVertical ? vertical.starts[outHeight - 1] + vertical.counts[outHeight - 1] : height
        let rows = resampleHorizontal(pixels, width: width, channels: channels, coefficients: horizontal,
                                      firstRow: first, rowCount: last - first, outWidth: outWidth)
        guard needVertical else { return rows }
        return resampleVertical(rows, rowLength: outWidth * channels, coefficients: vertical,
                                rowShift: first, outHeight: outHeight)
    }

    /// One horizontal pass over rows `firstRow ..< firstRow + rowCount`, rounded to 8 bits.
    private static func resampleHorizontal(_ pixels: [UInt8], width: Int, channels: Int, coefficients: Coefficients,
                                           firstRow: Int, rowCount: Int, outWidth: Int) -> [UInt8] {
        let half = Int32(1 << (precisionBits - 1))
        var out = [UInt8](repeating: 0, count: rowCount * outWidth * channels)
        pixels.withUnsafeBufferPointer { src in
            coefficients.weights.withUnsafeBufferPointer { k in
                out.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<rowCount {
                        let inRow = (y + firstRow) * width * channels
                        let outRow = y * outWidth * channels
                        for xx in 0..<outWidth {
                            let xmin = coefficients.starts[xx], taps = coefficients.counts[xx]
                            let kBase = xx * coefficients.stride
                            for c in 0..<channels {
                                var sum = half
                                for x in 0..<taps {
                                    sum &+= Int32(src[inRow + (x + xmin) * channels + c]) &* k[kBase + x]
                                }
                                dst[outRow + xx * channels + c] = clip8(sum)
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// One vertical pass; input row `r` holds source row `r + rowShift`. Rounded to 8 bits.
    private static func resampleVertical(_ pixels: [UInt8], rowLength: Int, coefficients: Coefficients,
                                         rowShift: Int, outHeight: Int) -> [UInt8] {
        let half = Int32(1 << (precisionBits - 1))
        var out = [UInt8](repeating: 0, count: outHeight * rowLength)
        pixels.withUnsafeBufferPointer { src in
            coefficients.weights.withUnsafeBufferPointer { k in
                out.withUnsafeMutableBufferPointer { dst in
                    for yy in 0..<outHeight {
                        let ymin = coefficients.starts[yy] - rowShift, taps = coefficients.counts[yy]
                        let kBase = yy * coefficients.stride
                        for i in 0..<rowLength {
                            var sum = half
                            for y in 0..<taps { sum &+= Int32(src[(y + ymin) * rowLength + i]) &* k[kBase + y] }
                            dst[yy * rowLength + i] = clip8(sum)
                        }
                    }
                }
            }
        }
        return out
    }

    // MARK: - Crop

    /// Cuts the `[outHeight, outWidth]` box at `(top, left)` out of `[height, width, channels]` pixels.
    public static func crop(_ pixels: [UInt8], width: Int, height: Int, channels: Int,
                            top: Int, left: Int, toWidth outWidth: Int, height outHeight: Int) -> [UInt8] {
        require(top >= 0 && left >= 0 && top + outHeight <= height && left + outWidth <= width,
                     "crop: box outside the image")
        var out = [UInt8](repeating: 0, count: outHeight * outWidth * channels)
        let rowBytes = outWidth * channels
        for y in 0..<outHeight {
            let source = ((top + y) * width + left) * channels
            for i in 0..<rowBytes { out[y * rowBytes + i] = pixels[source + i] }
        }
        return out
    }
}

// MARK: - Frame pipeline

/// How frames are brought to the store's square size.
public enum ResizeMode: String, CaseIterable, Sendable, Codable {
    /// Resize the short side to the target, then centre-crop the long side (torchvision
    /// `Resize(size)` + `CenterCrop(size)`; the reference code's Cityscapes pipeline).
    case crop
    /// Resize both sides to the target, ignoring the aspect ratio (the reference code's KTH
    /// pipeline: 160x120 → 64x64; BAIR is already 64x64).
    case stretch
}

/// Converts decoded frames of any size and channel count into the store's `[size, size, channels]`.
///
/// Order: channel conversion first (so colour → gray is PIL "L" before resizing, as the KTH reference
/// does), then the Pillow-bilinear resize, then the centre crop.
public struct FramePreprocessor: Sendable, Equatable {
    /// Side of the square output frame.
    public var size: Int
    /// Output channels, 1 or 3.
    public var channels: Int
    /// How non-square or differently sized frames are fitted.
    public var resize: ResizeMode

    /// Creates a preprocessor.
    public init(size: Int, channels: Int, resize: ResizeMode) {
        require(size > 0 && (channels == 1 || channels == 3), "FramePreprocessor: bad size or channels")
        self.size = size
        self.channels = channels
        self.resize = resize
    }

    /// The `[size, size, channels]` frame made from `[height, width, sourceChannels]` pixels.
    public func process(_ pixels: [UInt8], width: Int, height: Int, channels sourceChannels: Int) -> [UInt8] {
        let converted = Preprocess.convertChannels(pixels, from: sourceChannels, to: channels)
        switch resize {
        case .stretch:
            return Preprocess.resizeBilinear(converted, width: width, height: height, channels: channels,
                                             toWidth: size, height: size)
        case .crop:
            let (w, h) = FramePreprocessor.shortSideSize(width: width, height: height, short: size)
            let resized = Preprocess.resizeBilinear(converted, width: width, height: height, channels: channels,
                                                    toWidth: w, height: h)
            let top = Int((Double(h - size) / 2).rounded(.toNearestOrEven))
            let left = Int((Double(w - size) / 2).rounded(.toNearestOrEven))
            return Preprocess.crop(resized, width: w, height: h, channels: channels,
                                   top: top, left: left, toWidth: size, height: size)
        }
    }

    /// The image's size after torchvision's `Resize(short)`: the short side becomes `short`, the long
    /// side `int(short * long / short_side)` (truncated).
    public static func shortSideSize(width: Int, height: Int, short: Int) -> (width: Int, height: Int) {
        if width <= height {
            return (short, Int(Double(short) * Double(height) / Double(width)))
        }
        return (Int(Double(short) * Double(width) / Double(height)), short)
    }
}

// MARK: - Splits

/// The train/test splits of the reference code (docs/models/rvd.md §13), or a seeded split.
public enum DatasetSplits {
    /// KTH person-based split used by the reference RVD code: train 11-18, val 19-21, 23-25, 1, 4,
    /// test 22, 2, 3, 5-10. (SVG's split differs: persons 1-20 train, 21-25 test.) Evaluation uses "val".
    public static func kthSplit(person: Int) -> String? {
        switch person {
        case 11...18: return "train"
        case 19, 20, 21, 23, 24, 25, 1, 4: return "val"
        case 22, 2, 3, 5...10: return "test"
        default: return nil
        }
    }

    /// Where the KTH reference starts its fixed evaluation clips.
    public static let kthEvalStartFrame = 12

    /// The KTH person number in a path such as "boxing/person07_boxing_d2/..." or
    /// "person07_boxing_d2_uncomp.avi", or nil.
    public static func kthPerson(in path: String) -> Int? {
        let lower = path.lowercased()
        guard let range = lower.range(of: "person") else { return nil }
        let digits = lower[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
        return digits.isEmpty ? nil : Int(digits)
    }

    /// The split named by a folder in a relative path ("train", "test", "val"; "valid" and "validation"
    /// count as "val"), the innermost such folder winning; nil when none is named.
    public static func folderSplit(in relativePath: String) -> String? {
        let components = relativePath.split(separator: "/").dropLast().map { $0.lowercased() }
        for component in components.reversed() {
            switch component {
            case "train", "training": return "train"
            case "test", "testing": return "test"
            case "val", "valid", "validation": return "val"
            default: continue
            }
        }
        return nil
    }

    /// Assigns `count` sequences to "train" and "test" with a seeded shuffle: `round(count × testFraction)`
    /// sequences (at least 1 when count ≥ 2 and the fraction is positive) go to "test".
    public static func seededSplit(count: Int, testFraction: Double, seed: UInt64) -> [String] {
        var testCount = Int((Double(count) * testFraction).rounded())
        if count >= 2 && testFraction > 0 { testCount = Swift.min(Swift.max(testCount, 1), count - 1) }
        var order = Array(0..<count)
        var rng = RandomGenerator(seed: seed)
        order.shuffle(using: &rng)
        var splits = [String](repeating: "train", count: count)
        for i in order.prefix(testCount) { splits[i] = "test" }
        return splits
    }
}
