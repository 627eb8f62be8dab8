// The pictures of a comparison, made from the batches the evaluator scored (so they show exactly the
// samples behind the numbers): every sample kept as uint8 HDF5, Figure 2's sample grid and animation, and
// Figure 4's CRPS maps beside the truth and a sample.
import Foundation
import ZooCore

/// Collects one model's evaluated batches and writes its files (`CompareFigureFiles`).
final class CompareFigureCollector {
    /// Clips drawn in the figures, and samples shown per clip in the grid.
    static let figureClips = 2
    static let gridSamples = 3
    /// The CRPS value drawn at the bright end of Figure 4's colour scale (0-255 pixel scale), the same for
    /// every model so that their maps can be compared.
    static let heatmapTop = 64.0

    private var predictionBytes: [UInt8] = []
    private var truthBytes: [UInt8] = []
    private var clips = 0
    private var shape: (s: Int, tc: Int, tp: Int, c: Int, h: Int, w: Int)?
    private var firstBatch: EvaluationBatch?

    /// Keeps a batch (call from the evaluator's `observe`).
    func add(_ batch: EvaluationBatch) {
        let s = batch.quantizedSamples.shape   // [B, S, Tp, C, H, W]
        let tc = batch.context.shape[1]
        if shape == nil { shape = (s[1], tc, s[2], s[3], s[4], s[5]) }
        if firstBatch == nil { firstBatch = batch }
        predictionBytes += Self.channelsLast(batch.quantizedSamples.scalars, leading: s[0] * s[1] * s[2],
                                             c: s[3], h: s[4], w: s[5])
        let context = FrameImages.quantized(batch.context)
        let b = s[0], frameSize = s[3] * s[4] * s[5]
        let cv = context.scalars, tv = batch.quantizedTruth.scalars
        for clip in 0..<b {
            let whole = Array(cv[(clip * tc * frameSize)..<((clip + 1) * tc * frameSize)])
                + Array(tv[(clip * s[2] * frameSize)..<((clip + 1) * s[2] * frameSize)])
            truthBytes += Self.channelsLast(whole, leading: tc + s[2], c: s[3], h: s[4], w: s[5])
        }
        clips += b
    }

    /// [leading, C, H, W] 0-255 floats as [leading, H, W, C] bytes.
    static func channelsLast(_ values: [Float], leading: Int, c: Int, h: Int, w: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: values.count)
        for n in 0..<leading {
            for ch in 0..<c {
                for i in 0..<(h * w) {
                    out[(n * h * w + i) * c + ch] = UInt8(Swift.max(0, Swift.min(255, values[(n * c + ch) * h * w + i])))
                }
            }
        }
        return out
    }

    /// Writes the model's files; returns the truth clips [N, Tc + Tp, H, W, C] as bytes with their shape, for
    /// the comparison's shared truth file.
    @discardableResult
    func write(_ files: CompareFigureFiles) throws -> (bytes: [UInt8], shape: [Int])? {
        guard let shape, let batch = firstBatch else { return nil }
        try FileManager.default.createDirectory(atPath: files.folder, withIntermediateDirectories: true)
        let file = try HDF5File.create(path: files.predictions)
        try file.write(predictionBytes, shape: [clips, shape.s, shape.tp, shape.h, shape.w, shape.c], to: "frames")
        try file.close()

        let shown = Swift.min(Self.figureClips, batch.context.shape[0])
        let samples = batch.quantizedSamples.sliced(axis: 1, 0..<Swift.min(Self.gridSamples, shape.s))
        let unit = Self.unitScale(samples)
        let scale = Swift.max(1, 64 / Swift.max(shape.h, shape.w))
        try FrameGrid.sampleStrip(context: batch.context, truth: batch.truth, samples: unit, clips: shown, scale: scale)
            .write(to: files.grid)
        try AnimatedPNG.write(animationFrames(batch, samples: unit, scale: scale), to: files.animation, delay: 0.25)
        try heatmapFigure(batch, clips: shown, scale: scale).write(to: files.heatmap)
        return (truthBytes, [clips, shape.tc + shape.tp, shape.h, shape.w, shape.c])
    }

    /// 0-255 values back to [-1, 1] (exact on whole levels, so the pictures show the scored pixels).
    static func unitScale(_ x: Tensor) -> Tensor { Kernels.map(x) { $0 / 127.5 - 1 } }

    /// The first clip over time: truth, then each shown sample, side by side; context frames repeat the truth.
    private func animationFrames(_ batch: EvaluationBatch, samples: Tensor, scale: Int) -> [PNGImage] {
        let c = batch.context.shape, tp = batch.truth.shape[1], shown = samples.shape[1]
        let (ch, h, w) = (c[2], c[3], c[4])
        let frameSize = ch * h * w
        var frames: [PNGImage] = []
        for t in 0..<(c[1] + tp) {
            var grid = FrameGrid(height: h, width: w, channels: ch, gap: 2, scale: scale)
            let truthBytes = t < c[1]
                ? FrameImages.frameBytes(batch.context, offset: t * frameSize, channels: ch, height: h, width: w)
                : FrameImages.frameBytes(batch.truth, offset: (t - c[1]) * frameSize, channels: ch, height: h, width: w)
            var row: [[UInt8]?] = [truthBytes]
            for k in 0..<shown {
                row.append(t < c[1] ? truthBytes
                           : FrameImages.frameBytes(samples, offset: (k * tp + t - c[1]) * frameSize, channels: ch,
                                                    height: h, width: w))
            }
            grid.addRow(row)
            frames.append(grid.render())
        }
        return frames
    }

    /// The predicted frames Figure 4 shows: first, middle and last.
    static func heatmapFrames(_ tp: Int) -> [Int] {
        Array(Set([0, tp / 2, tp - 1])).sorted()
    }

    /// Figure 4 for one model: per clip three rows (truth, first sample, CRPS map) at `heatmapFrames`.
    private func heatmapFigure(_ batch: EvaluationBatch, clips: Int, scale: Int) -> PNGImage {
        let x = batch.quantizedSamples.sliced(axis: 0, 0..<clips)
        let y = batch.quantizedTruth.sliced(axis: 0, 0..<clips)
        let map = noGrad { crpsMap(samples: x, truth: y).mean(axes: [2]) }   // [B, Tp, H, W]
        let s = x.shape
        let (tp, c, h, w) = (s[2], s[3], s[4], s[5])
        let frames = Self.heatmapFrames(tp)
        let cell = (h * scale, w * scale), gap = 2
        var canvas = RGBCanvas(width: frames.count * (cell.1 + gap) + gap, height: clips * 3 * (cell.0 + gap) + gap)
        let xv = x.scalars, yv = y.scalars, mv = map.scalars
        /// The colour of a pixel at `index` of channel 0 (gray repeated, or the three channels).
        func pixel(_ v: [Float], _ index: Int) -> (UInt8, UInt8, UInt8) {
            func get(_ k: Int) -> UInt8 { UInt8(Swift.max(0, Swift.min(255, v[index + k * h * w]))) }
            return c >= 3 ? (get(0), get(1), get(2)) : (get(0), get(0), get(0))
        }
        for b in 0..<clips {
            for (col, t) in frames.enumerated() {
                let left = gap + col * (cell.1 + gap)
                for row in 0..<3 {
                    let top = gap + (b * 3 + row) * (cell.0 + gap)
                    for py in 0..<cell.0 {
                        for px in 0..<cell.1 {
                            let (iy, ix) = (py / scale, px / scale)
                            let colour: (UInt8, UInt8, UInt8)
                            switch row {
                            case 0: colour = pixel(yv, (b * tp + t) * c * h * w + iy * w + ix)
                            case 1: colour = pixel(xv, ((b * s[1]) * tp + t) * c * h * w + iy * w + ix)
                            default: colour = Heatmap.color(Double(mv[((b * tp + t) * h + iy) * w + ix]) / Self.heatmapTop)
                            }
                            canvas.set(left + px, top + py, colour)
                        }
                    }
                }
            }
        }
        return canvas.image
    }
}

/// A white RGB image to draw pixels on.
struct RGBCanvas {
    let width: Int, height: Int
    private var pixels: [UInt8]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 255, count: width * height * 3)
    }

    mutating func set(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
        let o = (y * width + x) * 3
        pixels[o] = c.0; pixels[o + 1] = c.1; pixels[o + 2] = c.2
    }

    var image: PNGImage { PNGImage(width: width, height: height, channels: 3, pixels: pixels) }
}

/// Writes the comparison's true clips, uint8 `frames` [N, Tc + Tp, H, W, C] (what `zoo metrics --truth` reads).
func writeTruth(_ truth: (bytes: [UInt8], shape: [Int]), to path: String) throws {
    let file = try HDF5File.create(path: path)
    try file.write(truth.bytes, shape: truth.shape, to: "frames")
    try file.close()
}
