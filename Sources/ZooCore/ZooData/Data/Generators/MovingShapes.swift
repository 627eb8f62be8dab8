// The embedded `shapes` dataset: sprites that drift, bounce off the walls and turn at random times, in
// the spirit of SVG's stochastic moving MNIST (Denton & Fergus 2018), with procedural glyphs instead of
// digits so nothing has to be downloaded.

import Foundation
import ZooTensor

/// Generates stochastic moving-shape videos: 1–2 anti-aliased sprites per sequence, each moving with a
/// constant velocity until it hits a wall (it then bounces off in a new random direction, as in
/// stochastic moving MNIST) or, with probability `turnProbability` per frame, turns to a random new
/// direction in open space. The future is therefore genuinely uncertain.
public enum MovingShapes {
    /// The sprite outlines.
    public enum Glyph: Int, CaseIterable, Sendable {
        case disc, ring, square, triangle, cross, diamond
    }

    /// One sprite's state in one frame.
    public struct SpriteState: Sendable, Equatable {
        /// Centre in pixels (x right, y down).
        public var x: Float, y: Float
        /// Velocity in pixels per frame.
        public var vx: Float, vy: Float
    }

    /// The knobs of the generator.
    public struct Settings: Sendable, Equatable {
        /// Frame side in pixels.
        public var size = 64
        /// 1 (white sprites on black) or 3 (a colour per sprite).
        public var channels = 1
        /// Sprites per sequence are drawn from this range.
        public var spriteCount: ClosedRange<Int> = 1...2
        /// Sprite radius (half the bounding box) in pixels, drawn per sprite.
        public var radius: ClosedRange<Float> = 7...11
        /// Speed in pixels per frame, drawn at the start and after every turn.
        public var speed: ClosedRange<Float> = 2...4
        /// Chance per frame and sprite of turning in open space.
        public var turnProbability: Float = 0.05

        /// The defaults: 64x64, gray, 1–2 sprites.
        public init() {}
    }

    /// The trajectory of every sprite: `[frame][sprite]`. Sprite centres stay within [radius, size − radius].
    public static func trajectories(frameCount: Int, radii: [Float], settings: Settings,
                                    rng: inout RandomGenerator) -> [[SpriteState]] {
        let size = Float(settings.size)
        var sprites: [SpriteState] = radii.map { r in
            let (vx, vy) = randomVelocity(settings, &rng)
            return SpriteState(x: rng.uniform(r, size - r), y: rng.uniform(r, size - r), vx: vx, vy: vy)
        }
        var frames: [[SpriteState]] = [sprites]
        for _ in 1..<max(frameCount, 1) {
            for i in sprites.indices {
                var s = sprites[i]
                let r = radii[i]
                if rng.uniform() < settings.turnProbability { (s.vx, s.vy) = randomVelocity(settings, &rng) }
                s.x += s.vx
                s.y += s.vy
                // A wall: reflect the position back inside and leave in a random direction away from it.
                var hitX: Float = 0, hitY: Float = 0
                if s.x < r { s.x = 2 * r - s.x; hitX = 1 }
                if s.x > size - r { s.x = 2 * (size - r) - s.x; hitX = -1 }
                if s.y < r { s.y = 2 * r - s.y; hitY = 1 }
                if s.y > size - r { s.y = 2 * (size - r) - s.y; hitY = -1 }
                s.x = min(max(s.x, r), size - r)
                s.y = min(max(s.y, r), size - r)
                if hitX != 0 || hitY != 0 {
                    var (vx, vy) = randomVelocity(settings, &rng)
                    if hitX != 0 { vx = hitX * abs(vx) }
                    if hitY != 0 { vy = hitY * abs(vy) }
                    s.vx = vx
                    s.vy = vy
                }
                sprites[i] = s
            }
            frames.append(sprites)
        }
        return Array(frames.prefix(frameCount))
    }

    /// One sequence, [T, size, size, channels] uint8.
    public static func sequence(frameCount: Int, settings: Settings, rng: inout RandomGenerator) -> [UInt8] {
        require([1, 3].contains(settings.channels), "shapes have 1 or 3 channels, got \(settings.channels)")
        let count = settings.spriteCount.lowerBound
            + rng.int(below: settings.spriteCount.upperBound - settings.spriteCount.lowerBound + 1)
        var glyphs: [Glyph] = [], radii: [Float] = [], angles: [Float] = [], colours: [[Float]] = []
        for _ in 0..<count {
            glyphs.append(Glyph.allCases[rng.int(below: Glyph.allCases.count)])
            radii.append(rng.uniform(settings.radius.lowerBound, settings.radius.upperBound))
            angles.append(rng.uniform(0, 2 * .pi))
            colours.append(settings.channels == 1 ? [1] : randomColour(&rng))
        }
        let path = trajectories(frameCount: frameCount, radii: radii, settings: settings, rng: &rng)
        let n = settings.size, c = settings.channels
        var out = [UInt8](repeating: 0, count: frameCount * n * n * c)
        for (t, states) in path.enumerated() {
            for (i, s) in states.enumerated() {
                draw(glyphs[i], radius: radii[i], angle: angles[i], colour: colours[i], at: s,
                     into: &out, offset: t * n * n * c, size: n, channels: c)
            }
        }
        return out
    }

    /// `count` sequences of `frameCount` frames; sequence i depends only on (seed, i).
    public static func generate(count: Int, frameCount: Int, settings: Settings = Settings(),
                                seed: UInt64) -> VideoSequenceSet {
        var mixer = RandomGenerator(seed: seed)
        let base = mixer.next()
        let sequences = (0..<count).map { i -> [UInt8] in
            var rng = RandomGenerator(seed: base ^ (UInt64(i) &* 0x9E37_79B9_7F4A_7C15))
            return sequence(frameCount: frameCount, settings: settings, rng: &rng)
        }
        return VideoSequenceSet(height: settings.size, width: settings.size, channels: settings.channels,
                                sequences: sequences)
    }

    /// Writes a `shapes` clip store at `path` (atomically): `trainCount` sequences of `trainFrames`
    /// frames and `testCount` of `testFrames`, from independent seeds derived from `seed`.
    /// - Parameter progress: called once per split when it is written.
    public static func writeStore(path: String, settings: Settings = Settings(), trainCount: Int,
                                  trainFrames: Int, testCount: Int, testFrames: Int, seed: UInt64,
                                  overwrite: Bool = false,
                                  progress: ((GenerationProgress) -> Void)? = nil) throws {
        let metadata = ClipStoreMetadata(
            source: "shapes generator: \(trainCount)x\(trainFrames) train, \(testCount)x\(testFrames) test, "
                + "seed \(seed), \(settings.channels) channel(s), turn probability \(settings.turnProbability)",
            sourceFormat: "shapes", height: settings.size, width: settings.size, channels: settings.channels,
            clipLength: min(trainFrames, testFrames), evalSplit: "test", splitRule: "generated",
            extra: ["seed": .string(String(seed)), "turnProbability": .double(Double(settings.turnProbability))])
        let writer = try ClipStoreWriter(path: path, metadata: metadata, gzipLevel: 4, overwrite: overwrite)
        let splits = [("train", trainCount, trainFrames, seed &* 2 &+ 1),
                      ("test", testCount, testFrames, seed &* 2 &+ 2)]
        for (name, count, frames, splitSeed) in splits where count > 0 {
            let set = generate(count: count, frameCount: frames, settings: settings, seed: splitSeed)
            try writer.append(set, split: name, namePrefix: "shapes-\(name)-")
            progress?(GenerationProgress(split: name, finished: count, total: count))
        }
        try writer.finish()
    }

    // MARK: - Drawing

    private static func randomVelocity(_ settings: Settings, _ rng: inout RandomGenerator) -> (Float, Float) {
        let speed = rng.uniform(settings.speed.lowerBound, settings.speed.upperBound)
        let angle = rng.uniform(0, 2 * .pi)
        return (speed * Foundation.cos(angle), speed * Foundation.sin(angle))
    }

    /// A bright, saturated colour (one channel full, the others random).
    private static func randomColour(_ rng: inout RandomGenerator) -> [Float] {
        var colour = [rng.uniform(0.1, 1), rng.uniform(0.1, 1), rng.uniform(0.1, 1)]
        colour[rng.int(below: 3)] = 1
        return colour
    }

    /// Signed distance (pixels, negative inside) from a point in the sprite's own frame to its outline.
    private static func distance(_ glyph: Glyph, _ u: Float, _ v: Float, radius r: Float) -> Float {
        switch glyph {
        case .disc:
            return (u * u + v * v).squareRoot() - r
        case .ring:
            return abs((u * u + v * v).squareRoot() - 0.7 * r) - 0.3 * r
        case .square:
            let s = 0.7 * r   // corners at 0.99 r when rotated
            return max(abs(u), abs(v)) - s
        case .diamond:
            return (abs(u) + abs(v) - r) * 0.7071
        case .cross:
            let arm = 0.3 * r
            let length = 0.95 * r   // arm corners at 0.996 r
            let horizontal = max(abs(u) - length, abs(v) - arm)
            let vertical = max(abs(u) - arm, abs(v) - length)
            return min(horizontal, vertical)
        case .triangle:
            // Equilateral, circumradius r: the largest distance to its three edge lines.
            var d = -Float.infinity
            for k in 0..<3 {
                let a = Float(k) * 2 * .pi / 3 + .pi / 2
                d = max(d, u * Foundation.cos(a) + v * Foundation.sin(a) - 0.5 * r)
            }
            return d
        }
    }

    /// Draws one sprite (max-combined with what is there), anti-aliased by a one-pixel coverage ramp.
    private static func draw(_ glyph: Glyph, radius: Float, angle: Float, colour: [Float], at s: SpriteState,
                             into out: inout [UInt8], offset: Int, size: Int, channels: Int) {
        let ca = Foundation.cos(angle), sa = Foundation.sin(angle)
        let x0 = max(0, Int((s.x - radius - 1).rounded(.down)))
        let x1 = min(size - 1, Int((s.x + radius + 1).rounded(.up)))
        let y0 = max(0, Int((s.y - radius - 1).rounded(.down)))
        let y1 = min(size - 1, Int((s.y + radius + 1).rounded(.up)))
        guard x0 <= x1 && y0 <= y1 else { return }
        for py in y0...y1 {
            for px in x0...x1 {
                let dx = Float(px) + 0.5 - s.x, dy = Float(py) + 0.5 - s.y
                let u = ca * dx + sa * dy, v = -sa * dx + ca * dy
                let coverage = min(max(0.5 - distance(glyph, u, v, radius: radius), 0), 1)
                guard coverage > 0 else { continue }
                let index = offset + (py * size + px) * channels
                for ch in 0..<channels {
                    let value = UInt8((255 * coverage * colour[ch]).rounded())
                    out[index + ch] = max(out[index + ch], value)
                }
            }
        }
    }
}
