// Random flow scenarios for the embedded `flow` dataset: obstacle shapes, placement, inflow and Reynolds
// number, all drawn from a seeded generator.

import Foundation
import ZooTensor

/// One static obstacle in lattice coordinates (x downstream, y up).
public enum FlowObstacle: Sendable, Equatable {
    /// A disc.
    case circle(x: Float, y: Float, radius: Float)
    /// An ellipse with semi-axes `a` (along `angle`) and `b`, rotated by `angle` radians.
    case ellipse(x: Float, y: Float, a: Float, b: Float, angle: Float)
    /// A rectangle with half-sides `halfLength` (along `angle`) and `halfWidth`, rotated by `angle`.
    case rectangle(x: Float, y: Float, halfLength: Float, halfWidth: Float, angle: Float)

    /// Whether the lattice node (px, py) lies inside the obstacle.
    public func contains(_ px: Float, _ py: Float) -> Bool {
        switch self {
        case let .circle(x, y, r):
            let dx = px - x, dy = py - y
            return dx * dx + dy * dy <= r * r
        case let .ellipse(x, y, a, b, angle):
            let (u, v) = Self.rotate(px - x, py - y, by: -angle)
            return (u * u) / (a * a) + (v * v) / (b * b) <= 1
        case let .rectangle(x, y, hl, hw, angle):
            let (u, v) = Self.rotate(px - x, py - y, by: -angle)
            return abs(u) <= hl && abs(v) <= hw
        }
    }

    private static func rotate(_ x: Float, _ y: Float, by angle: Float) -> (Float, Float) {
        let c = Foundation.cos(angle), s = Foundation.sin(angle)
        return (c * x - s * y, s * x + c * y)
    }
}

/// Everything that defines one simulation of the `flow` dataset.
///
/// Lengths are lattice units, times are ticks. The lattice is `latticeWidth` x `latticeHeight`; frames
/// show the `cropSide` x `cropSide` square starting at column `cropX` (full height), averaged down to
/// the output size.
public struct FlowScenario: Sendable, Equatable {
    /// Nodes across (downstream).
    public var latticeWidth: Int
    /// Nodes up.
    public var latticeHeight: Int
    /// The obstacles (one shape, or a small cluster).
    public var obstacles: [FlowObstacle]
    /// Inflow speed U (lattice units per tick; ≤ 0.1 keeps the Mach number low).
    public var inflowVelocity: Float
    /// Reynolds number Re = U D / ν with D = `characteristicLength`.
    public var reynolds: Float
    /// D: the cross-stream extent of the obstacle cluster (rows of solid nodes it covers).
    public var characteristicLength: Float
    /// Ticks run at least before the first frame; `FlowDataset.simulate` goes on (up to three times as
    /// long) until the wake's oscillation has settled.
    public var spinUpTicks: Int
    /// Ticks between frames.
    public var ticksPerFrame: Int
    /// First lattice column shown in frames.
    public var cropX: Int
    /// Side of the square shown in frames (the full lattice height).
    public var cropSide: Int

    /// Creates a scenario from explicit settings (see `random(latticeHeight:rng:)` for the usual draw).
    public init(latticeWidth: Int, latticeHeight: Int, obstacles: [FlowObstacle], inflowVelocity: Float,
                reynolds: Float, characteristicLength: Float, spinUpTicks: Int, ticksPerFrame: Int,
                cropX: Int, cropSide: Int) {
        require(cropX >= 0 && cropX + cropSide <= latticeWidth && cropSide <= latticeHeight,
                     "the shown square (x \(cropX), side \(cropSide)) must lie inside the "
                        + "\(latticeWidth)x\(latticeHeight) lattice")
        self.latticeWidth = latticeWidth
        self.latticeHeight = latticeHeight
        self.obstacles = obstacles
        self.inflowVelocity = inflowVelocity
        self.reynolds = reynolds
        self.characteristicLength = characteristicLength
        self.spinUpTicks = spinUpTicks
        self.ticksPerFrame = ticksPerFrame
        self.cropX = cropX
        self.cropSide = cropSide
    }

    /// τ = 3ν + 1/2 with ν = U D / Re.
    public var relaxationTime: Float { 3 * inflowVelocity * characteristicLength / reynolds + 0.5 }

    /// The obstacle mask on the lattice (row-major, 1 = solid).
    public func solidMask() -> [UInt8] { Self.mask(obstacles, width: latticeWidth, height: latticeHeight) }

    /// The smallest box of lattice nodes holding every solid node (inclusive bounds).
    public var obstacleBox: (minX: Int, maxX: Int, minY: Int, maxY: Int) {
        Self.solidBox(obstacles, width: latticeWidth, height: latticeHeight)
    }

    static func mask(_ obstacles: [FlowObstacle], width: Int, height: Int) -> [UInt8] {
        var mask = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width where obstacles.contains(where: { $0.contains(Float(x), Float(y)) }) {
                mask[y * width + x] = 1
            }
        }
        return mask
    }

    static func solidBox(_ obstacles: [FlowObstacle], width: Int,
                         height: Int) -> (minX: Int, maxX: Int, minY: Int, maxY: Int) {
        let mask = mask(obstacles, width: width, height: height)
        var box = (minX: width, maxX: -1, minY: height, maxY: -1)
        for y in 0..<height {
            for x in 0..<width where mask[y * width + x] != 0 {
                box = (min(box.minX, x), max(box.maxX, x), min(box.minY, y), max(box.maxY, y))
            }
        }
        require(box.maxX >= 0, "the obstacles cover no lattice node: \(obstacles)")
        return box
    }

    /// The lattice height used for frames of `size` pixels: 128 nodes up to 64-pixel frames (so 32- and
    /// 64-pixel sets show the same simulations), twice the frame size above that.
    public static func latticeHeight(forFrameSize size: Int) -> Int {
        require([16, 32, 64].contains(size) || (size > 64 && size % 64 == 0),
                     "flow frames are 16, 32, 64 or a multiple of 64 pixels, got \(size)")
        return max(128, 2 * size)
    }

    /// Draws a random scenario on a lattice `latticeHeight` nodes high and 1.25 times as wide.
    ///
    /// The obstacle sits near the left of the shown square (which starts 1/16 of the height from the
    /// inlet and spans the full height), so its wake fills the rest and leaves through the outlet 3/16 of
    /// the height beyond the square. Re is drawn in 90–260 (periodic shedding up to wakes with irregular
    /// vortex interaction), U in 0.08–0.1; frames are spaced so the free stream moves
    /// `latticeHeight / 16` nodes per frame (4 pixels of a 64-pixel frame). The minimum spin-up is 1.75
    /// flow passes over the height, by which time most wakes shed regularly (`FlowDataset.simulate`
    /// extends it for the slow ones).
    public static func random(latticeHeight height: Int, rng: inout RandomGenerator) -> FlowScenario {
        require(height >= 64 && height % 16 == 0, "lattice height must be a multiple of 16 ≥ 64, got \(height)")
        let width = height * 5 / 4
        let h = Float(height)
        let kind = rng.int(below: 10)
        let centreX = h * rng.uniform(0.2, 0.27)
        let centreY = h * 0.5 + h * rng.uniform(-0.08, 0.08)
        var obstacles: [FlowObstacle] = []
        switch kind {
        case 0..<4:
            obstacles = [.circle(x: centreX, y: centreY, radius: h * rng.uniform(0.035, 0.055))]
        case 4..<6:
            let a = h * rng.uniform(0.04, 0.065), ratio = rng.uniform(0.35, 0.7)
            obstacles = [.ellipse(x: centreX, y: centreY, a: a, b: a * ratio,
                                  angle: rng.uniform(-1.6, 1.6))]
        case 6..<8:
            let side = h * rng.uniform(0.028, 0.042)
            obstacles = [.rectangle(x: centreX, y: centreY, halfLength: side * rng.uniform(1, 1.8),
                                    halfWidth: side, angle: rng.uniform(-0.8, 0.8))]
        default:
            // A small cluster: two or three discs around the centre.
            let count = 2 + rng.int(below: 2)
            for _ in 0..<count {
                let r = h * rng.uniform(0.018, 0.03)
                obstacles.append(.circle(x: centreX + h * rng.uniform(-0.04, 0.04),
                                         y: centreY + h * rng.uniform(-0.06, 0.06), radius: r))
            }
        }
        // D: the rows the rasterised obstacles cover (exact for rotated shapes and clusters).
        let box = solidBox(obstacles, width: width, height: height)
        let extent = Float(box.maxY - box.minY + 1)
        let velocity = rng.uniform(0.08, 0.1)
        var reynolds = rng.uniform(90, 260)
        // Keep τ ≥ 0.51 (ν ≥ 1/300): below that even the regularised scheme gets noisy at this resolution.
        reynolds = min(reynolds, 3 * velocity * extent / 0.01)
        let travelPerFrame = h / 16
        return FlowScenario(
            latticeWidth: width, latticeHeight: height, obstacles: obstacles, inflowVelocity: velocity,
            reynolds: reynolds, characteristicLength: extent,
            spinUpTicks: Int((1.75 * h / velocity).rounded()),
            ticksPerFrame: Int((travelPerFrame / velocity).rounded()),
            cropX: height / 16, cropSide: height)
    }
}
