// The lattice-Boltzmann solver and the `flow` dataset: conservation, viscosity, stability, determinism,
// unsteady wakes, scenario ranges and the clip store.

import Foundation
import Testing
import ZooCore

/// A small channel scenario (64 nodes high) with one disc, for tests that must run fast in debug builds.
func smallFlowScenario(reynolds: Float, radius: Float = 4) -> FlowScenario {
    FlowScenario(latticeWidth: 80, latticeHeight: 64, obstacles: [.circle(x: 16, y: 33, radius: radius)],
                 inflowVelocity: 0.1, reynolds: reynolds, characteristicLength: 2 * radius,
                 spinUpTicks: 1_200, ticksPerFrame: 40, cropX: 8, cropSide: 64)
}

@Suite struct LBMSolverTests {
    /// A periodic box with a disc and a swirling start: Σf changes only by Float32 rounding.
    @Test func massIsConservedInAPeriodicBox() {
        let width = 40, height = 32
        var solid = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height { for x in 0..<width where (x - 20) * (x - 20) + (y - 16) * (y - 16) <= 9 {
            solid[y * width + x] = 1
        } }
        let lattice = LBMFlow(width: width, height: height, solid: solid, relaxationTime: 0.55, inflowVelocity: 0,
                              boundaries: .periodic) { x, y in
            (0.05 * Float(sin(2 * Double.pi * Double(y) / 32)), 0.05 * Float(cos(2 * Double.pi * Double(x) / 40)))
        }
        let before = lattice.totalMass()
        lattice.step(500)
        let after = lattice.totalMass()
        #expect(lattice.isFinite)
        #expect(abs(after - before) / before < 2e-5, "mass \(before) -> \(after)")
    }

    /// A shear wave u_x = A sin(k y) decays as exp(−ν k² t) with ν = (τ − 1/2)/3.
    @Test func shearWaveDecaysAtTheViscosity() {
        let width = 4, height = 64, tau: Float = 0.8, amplitude: Float = 0.01
        let k = 2 * Double.pi / Double(height)
        let lattice = LBMFlow(width: width, height: height, solid: [UInt8](repeating: 0, count: width * height),
                              relaxationTime: tau, inflowVelocity: 0, boundaries: .periodic) { _, y in
            (amplitude * Float(sin(k * Double(y))), 0)
        }
        func measuredAmplitude() -> Double {
            let ux = lattice.macroscopic().ux
            var projection = 0.0
            for y in 0..<height { projection += Double(ux[y * width]) * sin(k * Double(y)) }
            return 2 * projection / Double(height)
        }
        let a0 = measuredAmplitude()
        let ticks = 400
        lattice.step(ticks)
        let nu = (Double(tau) - 0.5) / 3
        let expected = a0 * exp(-nu * k * k * Double(ticks))
        #expect(abs(measuredAmplitude() / expected - 1) < 0.02, "amplitude \(measuredAmplitude()) vs \(expected)")
    }

    /// Without an obstacle, the channel's uniform inflow is a fixed point of inlet, walls and outlet.
    @Test func uniformFlowStaysUniform() {
        let width = 48, height = 24, u: Float = 0.08
        let lattice = LBMFlow(width: width, height: height, solid: [UInt8](repeating: 0, count: width * height),
                              relaxationTime: 0.53, inflowVelocity: u) { _, _ in (u, 0) }
        lattice.step(300)
        let (rho, ux, uy) = lattice.macroscopic()
        #expect(ux.allSatisfy { abs($0 - u) < 1e-5 }, "max |ux − U| \(ux.map { abs($0 - u) }.max()!)")
        #expect(uy.allSatisfy { abs($0) < 1e-5 })
        #expect(rho.allSatisfy { abs($0 - 1) < 1e-5 })
    }

    /// Splitting rows over threads does not change a single bit.
    @Test func resultsDoNotDependOnThreads() {
        let scenario = smallFlowScenario(reynolds: 150)
        let a = FlowDataset.makeLattice(scenario), b = FlowDataset.makeLattice(scenario)
        a.parallelRows = true
        b.parallelRows = false
        a.step(300)
        b.step(300)
        #expect(a.vorticity() == b.vorticity())
    }
}

@Suite struct FlowDatasetTests {
    /// Mean absolute change between consecutive frames, per frame pair.
    func frameChanges(_ frames: [UInt8], size: Int) -> [Double] {
        let n = size * size, count = frames.count / n
        return (1..<count).map { t in
            var sum = 0
            for i in 0..<n { sum += abs(Int(frames[t * n + i]) - Int(frames[(t - 1) * n + i])) }
            return Double(sum) / Double(n)
        }
    }

    /// At Re 150 the wake keeps shedding (late frames keep changing); at Re 20 it settles to a steady
    /// twin-vortex wake (late changes vanish), so the measure separates the two.
    @Test func wakeIsUnsteadyAtModerateReynolds() {
        var scenario = smallFlowScenario(reynolds: 150)
        scenario.spinUpTicks = 1_500
        let shedding = frameChanges(FlowDataset.simulate(scenario, frameCount: 16, size: 32), size: 32)
        var steady = smallFlowScenario(reynolds: 20)
        steady.spinUpTicks = 4_000
        let settled = frameChanges(FlowDataset.simulate(steady, frameCount: 16, size: 32), size: 32)
        let lateShedding = shedding.suffix(6).min()!, lateSteady = settled.suffix(6).max()!
        #expect(lateShedding > 1.0, "Re 150 frame changes \(shedding)")
        #expect(lateSteady < 0.2, "Re 20 frame changes \(settled)")
    }

    @Test func sameSeedSameBytesOtherSeedOtherBytes() {
        func run(_ seed: UInt64) -> [UInt8] {
            var rng = RandomGenerator(seed: seed)
            var scenario = FlowScenario.random(latticeHeight: 64, rng: &rng)
            scenario.spinUpTicks = 300
            return FlowDataset.simulate(scenario, frameCount: 3, size: 16)
        }
        #expect(run(1) == run(1))
        #expect(run(1) != run(2))
        #expect(FlowDataset.scenario(size: 64, seed: 3, index: 5) == FlowDataset.scenario(size: 32, seed: 3, index: 5))
        #expect(FlowDataset.scenario(size: 64, seed: 3, index: 5) != FlowDataset.scenario(size: 64, seed: 3, index: 6))
    }

    /// Every drawn scenario is in the stable, unsteady regime and its obstacles stay clear of the edges.
    @Test func scenariosStayInTheirRanges() {
        for index in 0..<100 {
            let s = FlowDataset.scenario(size: 64, seed: 11, index: index)
            #expect(s.inflowVelocity <= 0.1 && s.inflowVelocity >= 0.08)
            #expect(s.reynolds >= 80 && s.reynolds <= 300, "Re \(s.reynolds)")
            #expect(s.relaxationTime >= 0.509, "tau \(s.relaxationTime)")
            let mask = s.solidMask()
            #expect(mask.contains(1))
            var clear = true
            for y in 0..<s.latticeHeight { for x in 0..<s.latticeWidth where mask[y * s.latticeWidth + x] != 0 {
                clear = clear && x >= 2 && x < s.cropX + s.cropSide / 2 && y >= 2 && y < s.latticeHeight - 2
            } }
            #expect(clear, "scenario \(index) has an obstacle too close to an edge: \(s.obstacles)")
        }
    }

    /// Still fluid renders mid-gray and obstacles at their fixed level.
    @Test func renderingUsesTheFixedMapping() {
        var scenario = smallFlowScenario(reynolds: 100)
        scenario.inflowVelocity = 0.1
        let lattice = LBMFlow(width: 80, height: 64, solid: scenario.solidMask(), relaxationTime: 0.6,
                              inflowVelocity: 0.1) { _, _ in (0.1, 0) }
        var frame = [UInt8](repeating: 0, count: 32 * 32)
        frame.withUnsafeMutableBufferPointer {
            FlowDataset.render(lattice, scenario: scenario, size: 32, into: $0.baseAddress!)
        }
        #expect(frame[0] == 128 && frame[32 * 31 + 31] == 128)
        // The disc centre (16, 33) is column (16 − 8)/2 = 4, row (64 − 33)/2 ≈ 15.
        #expect(frame[15 * 32 + 4] == FlowDataset.obstacleGray)
    }

    @Test func storeRoundTrip() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-flow-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let train = FlowDataset.SplitPlan(simulationCount: 1, framesPerSimulation: 4, sequenceLength: 2, seed: 1)
        let test = FlowDataset.SplitPlan(simulationCount: 1, framesPerSimulation: 2, sequenceLength: 2, seed: 2)
        var calls: [GenerationProgress] = []
        try FlowDataset.writeStore(path: dir + "/flow.h5", size: 16, train: train, test: test) { calls.append($0) }
        let store = try ClipStore(path: dir + "/flow.h5")
        #expect(FlowDataset.isCurrent(store, size: 16, train: train, test: test))
        #expect(!FlowDataset.isCurrent(store, size: 16, train: test, test: test))
        #expect(store.splits["train"]?.sequenceCount == 2 && store.splits["test"]?.sequenceCount == 1)
        #expect(calls.last == GenerationProgress(split: "test", finished: 1, total: 1))
        let expected = FlowDataset.generate(train, size: 16)
        let loaded = try store.loadSplit("train")
        for i in 0..<2 {
            #expect(Array(loaded.window(sequence: i, start: 0, length: 2)) == expected.sequences[i])
        }
    }
}

@Test func embeddedDataCacheFollowsTheEnvironment() {
    #expect(EmbeddedDataCache.directory(environment: ["ZOO_DATA_DIR": "/d", "XDG_CACHE_HOME": "/x", "HOME": "/h"]) == "/d")
    #expect(EmbeddedDataCache.directory(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"]) == "/x/zoo/data")
    #expect(EmbeddedDataCache.directory(environment: ["ZOO_DATA_DIR": "", "HOME": "/h"]) == "/h/.cache/zoo/data")
    #expect(EmbeddedDataCache.directory(environment: [:]).hasSuffix("/.cache/zoo/data"))
}
