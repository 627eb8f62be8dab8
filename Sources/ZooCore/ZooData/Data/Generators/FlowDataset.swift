// The embedded `flow` dataset: lattice-Boltzmann simulations of flow past random obstacles, rendered as
// grayscale vorticity frames (the zoo's stand-in for the paper's Simulation dataset).

import Dispatch
import Foundation
import ZooTensor

/// Generates the `flow` dataset: each simulation (a random `FlowScenario`) is spun up until its wake
/// sheds, then sampled every `ticksPerFrame` ticks and rendered to uint8 grayscale.
///
/// Rendering uses one fixed mapping for every clip: the vorticity, made dimensionless with the inflow
/// speed and a fixed length (ω̃ = ω · (latticeHeight / 8) / U), is averaged over each output pixel's
/// block of lattice nodes and mapped to gray = 127.5 + 127.5 · tanh(ω̃ / `vorticityScale`), so
/// counter-clockwise vortices are bright, clockwise ones dark, still fluid mid-gray; obstacles are drawn
/// at `obstacleGray`. Frames are [T, H, W] uint8 with row 0 at the top (lattice y flipped).
public enum FlowDataset {
    /// The ω̃ that maps to about 3/4 of the way from mid-gray to white.
    public static let vorticityScale: Float = 3
    /// Gray level of obstacle pixels.
    public static let obstacleGray: UInt8 = 0

    /// How many simulations and frames make a split.
    public struct SplitPlan: Sendable, Equatable {
        /// Number of independent simulations (random scenarios).
        public var simulationCount: Int
        /// Frames recorded per simulation after spin-up.
        public var framesPerSimulation: Int
        /// The recorded frames are cut into consecutive sequences of this length.
        public var sequenceLength: Int
        /// Seed of the split; scenario i uses a generator derived from (seed, i).
        public var seed: UInt64

        /// Sequences the plan yields.
        public var sequenceCount: Int { simulationCount * (framesPerSimulation / sequenceLength) }

        /// Creates a plan.
        public init(simulationCount: Int, framesPerSimulation: Int, sequenceLength: Int, seed: UInt64) {
            require(framesPerSimulation >= sequenceLength && sequenceLength > 0,
                         "a simulation must record at least one sequence")
            self.simulationCount = simulationCount
            self.framesPerSimulation = framesPerSimulation
            self.sequenceLength = sequenceLength
            self.seed = seed
        }
    }

    /// The default training split for `seed`: 40 simulations, 32 frames each, one sequence per
    /// simulation (1,280 frames; every window of a sequence shows a different obstacle phase).
    public static func defaultTrainPlan(seed: UInt64 = 0) -> SplitPlan {
        SplitPlan(simulationCount: 40, framesPerSimulation: 32, sequenceLength: 32, seed: seed &* 2 &+ 1)
    }

    /// The default test split for `seed`: 16 other simulations, 40 frames each, cut into 32 fixed clips of
    /// 20 frames (4 context + 16 predicted).
    public static func defaultTestPlan(seed: UInt64 = 0) -> SplitPlan {
        SplitPlan(simulationCount: 16, framesPerSimulation: 40, sequenceLength: 20, seed: seed &* 2 &+ 2)
    }

    /// The scenario of simulation `index` in a split (a pure function of the seed and the index).
    public static func scenario(size: Int, seed: UInt64, index: Int) -> FlowScenario {
        var mixer = RandomGenerator(seed: seed)
        var rng = RandomGenerator(seed: mixer.next() ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
        return FlowScenario.random(latticeHeight: FlowScenario.latticeHeight(forFrameSize: size), rng: &rng)
    }

    /// Runs one scenario and returns `frameCount` rendered frames, [T, size, size] uint8.
    /// - Parameter parallelRows: split each tick's rows over the cores (for one large lattice); turn it
    ///   off when several simulations already run side by side.
    public static func simulate(_ scenario: FlowScenario, frameCount: Int, size: Int,
                                parallelRows: Bool = true) -> [UInt8] {
        let lattice = makeLattice(scenario)
        lattice.parallelRows = parallelRows
        spinUp(lattice, scenario)
        var frames = [UInt8](repeating: 0, count: frameCount * size * size)
        for t in 0..<frameCount {
            if t > 0 { lattice.step(scenario.ticksPerFrame) }
            frames.withUnsafeMutableBufferPointer { buffer in
                render(lattice, scenario: scenario, size: size, into: buffer.baseAddress! + t * size * size)
            }
        }
        return frames
    }

    /// Runs the lattice until the wake sheds steadily and returns the ticks run: at least
    /// `scenario.spinUpTicks` (exactly that for most scenarios), then on, window by window (a window
    /// is about one shedding period, 5 D / U), until the transverse velocity 2 D behind the obstacle
    /// swings by more than U/10 and its swing changed by less than 15% since the previous window, or
    /// three times the minimum has passed.
    @discardableResult
    public static func spinUp(_ lattice: LBMFlow, _ scenario: FlowScenario) -> Int {
        let u = scenario.inflowVelocity, d = scenario.characteristicLength
        let box = scenario.obstacleBox
        let probeX = min(box.maxX + Int(2 * d), scenario.cropX + scenario.cropSide - 1)
        let probeY = (box.minY + box.maxY) / 2
        let window = max(2, Int(5 * d / u) / 10) * 10
        let limit = 3 * scenario.spinUpTicks
        func swing() -> Float {
            var low = Float.infinity, high = -Float.infinity
            for _ in 0..<(window / 10) {   // sample every 10 ticks
                lattice.step(10)
                let uy = lattice.velocity(x: probeX, y: probeY).uy
                low = min(low, uy)
                high = max(high, uy)
            }
            return high - low
        }
        // The last two windows of the minimum spin-up are the first two compared.
        lattice.step(max(0, scenario.spinUpTicks - 2 * window))
        var previous = swing()
        var current = swing()
        while lattice.tickCount < limit && !(current > 0.1 * u && abs(current - previous) < 0.15 * current) {
            previous = current
            current = swing()
        }
        return lattice.tickCount
    }

    /// The lattice of a scenario at tick 0: the inflow everywhere plus a transverse kick behind the
    /// obstacle, which breaks the up-down symmetry so shedding starts within the spin-up.
    public static func makeLattice(_ scenario: FlowScenario) -> LBMFlow {
        let u = scenario.inflowVelocity
        let d = scenario.characteristicLength
        let box = scenario.obstacleBox
        let kickX = Float(box.minX + box.maxX) / 2 + 1.5 * d
        let kickY = Float(box.minY + box.maxY) / 2 + 0.5 * d
        return LBMFlow(width: scenario.latticeWidth, height: scenario.latticeHeight,
                       solid: scenario.solidMask(), relaxationTime: scenario.relaxationTime,
                       inflowVelocity: u, boundaries: .channel,
                       spongeWidth: scenario.latticeWidth - scenario.cropX - scenario.cropSide) { x, y in
            let dx = (Float(x) - kickX) / d, dy = (Float(y) - kickY) / d
            let bump = Foundation.exp(-(dx * dx + dy * dy))
            return (u, 0.3 * u * bump)
        }
    }

    /// Renders the lattice's current vorticity into `size` x `size` uint8 pixels at `output`.
    public static func render(_ lattice: LBMFlow, scenario: FlowScenario, size: Int,
                              into output: UnsafeMutablePointer<UInt8>) {
        let omega = lattice.vorticity()
        let factor = scenario.cropSide / size
        require(factor * size == scenario.cropSide, "crop \(scenario.cropSide) is not a multiple of \(size)")
        let w = lattice.width, h = lattice.height
        let scale = Float(h) / 8 / scenario.inflowVelocity / vorticityScale / Float(factor * factor)
        for row in 0..<size {
            let yTop = h - (row + 1) * factor
            for column in 0..<size {
                let x0 = scenario.cropX + column * factor
                var sum: Float = 0
                var solidCount = 0
                for y in yTop..<(yTop + factor) {
                    for x in x0..<(x0 + factor) {
                        sum += omega[y * w + x]
                        solidCount += Int(lattice.solid[y * w + x])
                    }
                }
                let pixel: UInt8
                if 2 * solidCount > factor * factor {
                    pixel = obstacleGray
                } else {
                    let gray = 127.5 + 127.5 * Foundation.tanh(sum * scale)
                    pixel = UInt8(max(0, min(255, gray.rounded())))
                }
                output[row * size + column] = pixel
            }
        }
    }

    /// Generates a split: every simulation's frames cut into sequences, in simulation order.
    ///
    /// Simulations run concurrently, one per core (each lattice steps on one thread, which beats
    /// splitting a small lattice's rows); the result does not depend on the number of cores.
    /// - Parameter progress: called after each finished simulation with (finished, total), from a
    ///   worker thread, never concurrently.
    public static func generate(_ plan: SplitPlan, size: Int,
                                progress: ((Int, Int) -> Void)? = nil) -> VideoSequenceSet {
        let frameBytes = size * size
        let perSimulation = plan.framesPerSimulation / plan.sequenceLength
        let results = SlotArray<[UInt8]>(count: plan.simulationCount)
        let lock = NSLock()
        var finished = 0
        let workers = min(Parallel.coreCount, plan.simulationCount)
        let nextIndex = SlotCounter()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let index = nextIndex.take(below: plan.simulationCount) {
                let scenario = scenario(size: size, seed: plan.seed, index: index)
                results[index] = simulate(scenario, frameCount: plan.framesPerSimulation, size: size,
                                          parallelRows: workers == 1)
                lock.lock()
                finished += 1
                progress?(finished, plan.simulationCount)
                lock.unlock()
            }
        }
        var sequences: [[UInt8]] = []
        for index in 0..<plan.simulationCount {
            let frames = results[index]
            for s in 0..<perSimulation {
                let start = s * plan.sequenceLength * frameBytes
                sequences.append(Array(frames[start..<(start + plan.sequenceLength * frameBytes)]))
            }
        }
        return VideoSequenceSet(height: size, width: size, channels: 1, sequences: sequences)
    }
}

/// Fixed-size storage written from several threads, one slot per thread (no two write the same slot).
final class SlotArray<Element>: @unchecked Sendable {
    private var slots: [Element?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    subscript(index: Int) -> Element {
        get { lock.lock(); defer { lock.unlock() }; return slots[index]! }
        set { lock.lock(); slots[index] = newValue; lock.unlock() }
    }
}

/// Hands out 0, 1, 2, … to worker threads.
final class SlotCounter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func take(below limit: Int) -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}
