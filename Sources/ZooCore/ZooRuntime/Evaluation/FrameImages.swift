// Frames as pictures: [-1, 1] tensors to 8-bit pixels and back, and the sample strip laid out as
// rows of context | truth | samples.

import Foundation
import ZooTensor
import ZooNN
import ZooData
import ZooMetrics

/// Conversions between the video layout and 8-bit images.
public enum FrameImages {
    /// The 0–255 value of a [-1, 1] sample, rounded and clamped (the inverse of the batcher's scaling).
    @inline(__always) public static func byte(_ v: Float) -> UInt8 {
        UInt8(Swift.max(0, Swift.min(255, ((v + 1) * 127.5).rounded())))
    }

    /// `x` in [-1, 1] mapped to 0–255 and rounded to whole levels (what an 8-bit file would hold), as
    /// Float32 of the same shape. Metrics on this scale match `zoo metrics` on written files.
    public static func quantized(_ x: Tensor) -> Tensor {
        Kernels.map(x.detached()) { Float(byte($0)) }
    }

    /// One frame [C, H, W] (Float in [-1, 1], starting at `offset` in `storage`) as `[H, W, C]` bytes.
    public static func frameBytes(_ x: Tensor, offset: Int, channels c: Int, height h: Int, width w: Int) -> [UInt8] {
        let p = x.storage.pointer + offset
        var out = [UInt8](repeating: 0, count: h * w * c)
        for channel in 0..<c {
            for i in 0..<(h * w) { out[i * c + channel] = byte(p[channel * h * w + i]) }
        }
        return out
    }

    /// Frame `t` of clip `b` of a [B, T, C, H, W] video as an image.
    public static func image(_ video: Tensor, clip b: Int, frame t: Int) -> PNGImage {
        let s = video.shape
        let (c, h, w) = (s[2], s[3], s[4])
        let offset = (b * s[1] + t) * c * h * w
        return PNGImage(width: w, height: h, channels: c, pixels: frameBytes(video, offset: offset, channels: c, height: h, width: w))
    }

    /// Frames read from images into a [1, T, C, H, W] tensor in [-1, 1], converting gray ↔ RGB and
    /// dropping alpha as needed.
    /// - Throws: `PredictorError.contractMismatch` naming the image when its size differs.
    public static func video(from images: [(name: String, image: PNGImage)], channels: Int, height: Int,
                             width: Int) throws -> Tensor {
        var values = [Float](repeating: 0, count: images.count * channels * height * width)
        for (t, (name, image)) in images.enumerated() {
            guard image.width == width, image.height == height else {
                throw PredictorError.contractMismatch("\(name): the frame is \(image.width)x\(image.height); the model "
                                                      + "expects \(width)x\(height)")
            }
            let colour = image.channels >= 3
            for i in 0..<(height * width) {
                let px = image.pixels[(i * image.channels)..<(i * image.channels + image.channels)]
                let r = Float(px[px.startIndex]), g = colour ? Float(px[px.startIndex + 1]) : r
                let b = colour ? Float(px[px.startIndex + 2]) : r
                for ch in 0..<channels {
                    let v: Float = channels == 1 ? (colour ? (0.299 * r + 0.587 * g + 0.114 * b).rounded() : r)
                                                 : [r, g, b][ch]
                    values[((t * channels + ch) * height * width) + i] = v / 127.5 - 1
                }
            }
        }
        return Tensor(shape: [1, images.count, channels, height, width], scalars: values)
    }
}

/// A grid of frames drawn on a light background: each cell is one frame or empty.
public struct FrameGrid {
    /// Frame size and channels.
    public let height: Int, width: Int, channels: Int
    /// Pixels between frames and around the border.
    public let gap: Int
    /// Integer magnification of every frame (nearest neighbour).
    public let scale: Int
    /// Extra gap after this many columns (between context and future), 0 for none.
    public let splitAfter: Int
    private var cells: [[[UInt8]?]] = []

    /// An empty grid for frames of the given size.
    public init(height: Int, width: Int, channels: Int, gap: Int = 2, splitAfter: Int = 0, scale: Int = 1) {
        require(scale >= 1 && gap >= 0, "FrameGrid needs scale ≥ 1 and gap ≥ 0")
        self.height = height
        self.width = width
        self.channels = channels
        self.gap = gap
        self.splitAfter = splitAfter
        self.scale = scale
    }

    /// Appends a row of cells (frame bytes [H, W, C], or nil for an empty cell).
    public mutating func addRow(_ row: [[UInt8]?]) { cells.append(row) }

    /// The grid as one image.
    public func render() -> PNGImage {
        let columns = cells.map(\.count).max() ?? 0
        let split = splitAfter > 0 && columns > splitAfter ? 3 * gap : 0
        let (h, w, c) = (height * scale, width * scale, channels)
        let sheetWidth = columns * (w + gap) + gap + split
        let sheetHeight = cells.count * (h + gap) + gap
        var pixels = [UInt8](repeating: 235, count: sheetWidth * sheetHeight * c)
        for (r, row) in cells.enumerated() {
            for (col, cell) in row.enumerated() {
                guard let frame = cell else { continue }
                let top = gap + r * (h + gap)
                let left = gap + col * (w + gap) + (col >= splitAfter && splitAfter > 0 ? split : 0)
                for y in 0..<h {
                    let to = ((top + y) * sheetWidth + left) * c
                    let from = (y / scale) * width * c
                    if scale == 1 {
                        pixels.replaceSubrange(to..<(to + w * c), with: frame[from..<(from + w * c)])
                    } else {
                        for x in 0..<w { for k in 0..<c { pixels[to + x * c + k] = frame[from + (x / scale) * c + k] } }
                    }
                }
            }
        }
        return PNGImage(width: sheetWidth, height: sheetHeight, channels: c, pixels: pixels)
    }
}

extension FrameGrid {
    /// The sample strip of a few clips: for each clip one row "context | truth" and one row per sample
    /// "(empty) | sample", so every column is one time step.
    ///
    /// - Parameters:
    ///   - context: [B, Tc, C, H, W] in [-1, 1].
    ///   - truth: [B, Tp, C, H, W] (or nil when there is no ground truth, as in `zoo sample`).
    ///   - samples: [B, S, Tp, C, H, W].
    ///   - clips: how many clips to draw (the first ones).
    ///   - scale: integer magnification of the frames.
    public static func sampleStrip(context: Tensor, truth: Tensor?, samples: Tensor, clips: Int,
                                   scale: Int = 1) -> PNGImage {
        let cs = context.shape, ss = samples.shape
        let (tc, c, h, w) = (cs[1], cs[2], cs[3], cs[4])
        let (s, tp) = (ss[1], ss[2])
        var grid = FrameGrid(height: h, width: w, channels: c, splitAfter: tc, scale: scale)
        let frameSize = c * h * w
        for b in 0..<Swift.min(clips, cs[0]) {
            var first: [[UInt8]?] = (0..<tc).map {
                FrameImages.frameBytes(context, offset: (b * tc + $0) * frameSize, channels: c, height: h, width: w)
            }
            if let truth {
                first += (0..<tp).map {
                    FrameImages.frameBytes(truth, offset: (b * tp + $0) * frameSize, channels: c, height: h, width: w)
                }
                grid.addRow(first)
                first = Array(repeating: nil, count: tc)
            }
            for k in 0..<s {
                let row = (0..<tp).map { t -> [UInt8]? in
                    FrameImages.frameBytes(samples, offset: ((b * s + k) * tp + t) * frameSize, channels: c, height: h, width: w)
                }
                grid.addRow(first + row)
                first = Array(repeating: nil, count: tc)
            }
        }
        return grid.render()
    }
}
