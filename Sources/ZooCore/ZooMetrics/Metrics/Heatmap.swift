// The CRPS map as a PNG heat map (the paper's Figure 4): one tile per predicted frame, left to right, each
// pixel the CRPS averaged over clips and channels, coloured with viridis from 0 to a fixed top value, and a
// colour bar along the bottom.

/// Rendering of per-pixel score maps.
import ZooTensor
import ZooNN
import ZooData

public enum Heatmap {
    /// Viridis at nine evenly spaced points (matplotlib's values, rounded to 8 bits).
    static let viridis: [(Double, Double, Double)] = [
        (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
        (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37),
    ]

    /// The colour of `v` in [0, 1] (clamped), linearly between the viridis points.
    public static func color(_ v: Double) -> (UInt8, UInt8, UInt8) {
        let x = Swift.min(Swift.max(v.isFinite ? v : 0, 0), 1) * Double(viridis.count - 1)
        let i = Swift.min(Int(x), viridis.count - 2)
        let f = x - Double(i)
        let a = viridis[i], b = viridis[i + 1]
        func mix(_ p: Double, _ q: Double) -> UInt8 { UInt8((p + (q - p) * f).rounded()) }
        return (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    /// The per-pixel CRPS map of `crpsMap(samples:truth:)` ([B, T, C, H, W]) averaged over clips and channels:
    /// [T, H, W].
    public static func meanOverClipsAndChannels(_ map: Tensor) -> Tensor {
        require(map.rank == 5, "Heatmap: map must be [B, T, C, H, W], got \(map.shape)")
        return noGrad { map.mean(axes: [0, 2]) }
    }

    /// Renders [T, H, W] maps as one RGB image: T tiles of H x W (each pixel repeated `pixelScale` times each
    /// way) separated by 2-pixel white gaps, and a 6-pixel colour bar from 0 (left) to `top` (right).
    ///
    /// - Parameters:
    ///   - top: the value drawn at the bright end; nil uses the map's maximum (returned either way, so a
    ///     caption can state it).
    public static func render(_ maps: Tensor, top: Double? = nil, pixelScale: Int = 2) -> (image: PNGImage, top: Double) {
        require(maps.rank == 3, "Heatmap.render: maps must be [T, H, W], got \(maps.shape)")
        require(pixelScale >= 1, "Heatmap.render: pixelScale must be at least 1")
        let (t, h, w) = (maps.shape[0], maps.shape[1], maps.shape[2])
        let values = maps.scalars
        let maximum = Double(values.max() ?? 0)
        let scale = top ?? (maximum > 0 ? maximum : 1)
        let gap = 2, bar = 6
        let tileW = w * pixelScale, tileH = h * pixelScale
        let width = Swift.max(1, t * tileW + (t - 1) * gap)
        let height = tileH + gap + bar
        var pixels = [UInt8](repeating: 255, count: width * height * 3)
        func put(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
            let o = (y * width + x) * 3
            pixels[o] = c.0; pixels[o + 1] = c.1; pixels[o + 2] = c.2
        }
        for f in 0..<t {
            let x0 = f * (tileW + gap)
            for y in 0..<tileH {
                for x in 0..<tileW {
                    let v = Double(values[(f * h + y / pixelScale) * w + x / pixelScale])
                    put(x0 + x, y, color(v / scale))
                }
            }
        }
        for x in 0..<width {
            let c = color(width > 1 ? Double(x) / Double(width - 1) : 0)
            for y in (tileH + gap)..<height { put(x, y, c) }
        }
        return (PNGImage(width: width, height: height, channels: 3, pixels: pixels), scale)
    }

    /// Writes the CRPS heat map of per-pixel scores ([B, T, C, H, W], from `crpsMap`) to a PNG file.
    /// - Returns: the value at the bright end of the colour scale.
    @discardableResult
    public static func writeCRPS(_ map: Tensor, to path: String, top: Double? = nil, pixelScale: Int = 2) throws -> Double {
        let rendered = render(meanOverClipsAndChannels(map), top: top, pixelScale: pixelScale)
        try rendered.image.write(to: path)
        return rendered.top
    }
}
