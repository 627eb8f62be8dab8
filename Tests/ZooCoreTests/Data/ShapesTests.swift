// The `shapes` dataset: determinism, bounds, random turns and bounces, colour, and its clip store.

import Foundation
import Testing
import ZooCore

@Suite struct ShapesTests {
    @Test func sameSeedSameBytesOtherSeedOtherBytes() {
        let a = MovingShapes.generate(count: 3, frameCount: 10, seed: 4)
        #expect(a == MovingShapes.generate(count: 3, frameCount: 10, seed: 4))
        #expect(a != MovingShapes.generate(count: 3, frameCount: 10, seed: 5))
        // Sequence i depends on (seed, i) only, not on how many are made.
        #expect(MovingShapes.generate(count: 1, frameCount: 10, seed: 4).sequences[0] == a.sequences[0])
        #expect(a.height == 64 && a.width == 64 && a.channels == 1 && a.frameCount(ofSequence: 2) == 10)
    }

    @Test func spritesStayInsideTheFrame() {
        var settings = MovingShapes.Settings()
        settings.speed = 3...6
        var rng = RandomGenerator(seed: 9)
        for _ in 0..<50 {
            let radii: [Float] = [rng.uniform(7, 11), rng.uniform(7, 11)]
            let path = MovingShapes.trajectories(frameCount: 100, radii: radii, settings: settings, rng: &rng)
            #expect(path.count == 100)
            for states in path {
                for (s, r) in zip(states, radii) {
                    #expect(s.x >= r && s.x <= 64 - r && s.y >= r && s.y <= 64 - r,
                            "centre (\(s.x), \(s.y)) radius \(r)")
                }
            }
        }
        // Drawn frames: a sprite is visible in every frame.
        let set = MovingShapes.generate(count: 20, frameCount: 20, seed: 1)
        for sequence in set.sequences {
            for t in 0..<20 {
                let frame = sequence[(t * 4096)..<((t + 1) * 4096)]
                #expect(frame.max()! > 200)
            }
        }
    }

    /// Sprites turn in open space (the velocity changes away from walls) and bounce off walls in a new
    /// random direction, so the future is not a function of the past.
    @Test func spritesTurnAndBounce() {
        var settings = MovingShapes.Settings()
        settings.turnProbability = 0.1
        var rng = RandomGenerator(seed: 2)
        var openTurns = 0, bounces = 0, bounceAngles = Set<Int>()
        for _ in 0..<40 {
            let radius: Float = 8
            let path = MovingShapes.trajectories(frameCount: 60, radii: [radius], settings: settings, rng: &rng)
            for t in 1..<path.count {
                let a = path[t - 1][0], b = path[t][0]
                guard a.vx != b.vx || a.vy != b.vy else { continue }
                let nearWall = min(b.x - radius, 64 - radius - b.x, b.y - radius, 64 - radius - b.y) < 6.5
                if nearWall {
                    bounces += 1
                    bounceAngles.insert(Int((atan2(b.vy, b.vx) * 10).rounded()))
                } else {
                    openTurns += 1
                }
                let speed = (b.vx * b.vx + b.vy * b.vy).squareRoot()
                #expect(speed >= 2 - 1e-4 && speed <= 4 + 1e-4)
            }
        }
        #expect(openTurns > 20, "\(openTurns) turns in open space")
        #expect(bounces > 20, "\(bounces) bounces")
        #expect(bounceAngles.count > 10, "bounces leave in varied directions")
        // With turns switched off, a sprite away from the walls keeps its velocity.
        settings.turnProbability = 0
        settings.speed = 0.01...0.01
        let still = MovingShapes.trajectories(frameCount: 30, radii: [8], settings: settings, rng: &rng)
        #expect(still.allSatisfy { $0[0].vx == still[0][0].vx && $0[0].vy == still[0][0].vy })
    }

    @Test func colourSpritesHaveThreeChannels() {
        var settings = MovingShapes.Settings()
        settings.channels = 3
        settings.spriteCount = 2...2
        let set = MovingShapes.generate(count: 8, frameCount: 4, settings: settings, seed: 3)
        #expect(set.channels == 3 && set.frameBytes == 64 * 64 * 3)
        var coloured = 0
        for sequence in set.sequences {
            for p in stride(from: 0, to: 4096 * 3, by: 3)
                where sequence[p] != sequence[p + 1] || sequence[p] != sequence[p + 2] {
                coloured += 1
            }
        }
        #expect(coloured > 100)
    }

    @Test func storeRoundTrip() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-shapes-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/shapes.h5"
        try MovingShapes.writeStore(path: path, trainCount: 5, trainFrames: 12, testCount: 3, testFrames: 10, seed: 7)
        let store = try ClipStore(path: path)
        #expect(store.metadata.sourceFormat == "shapes" && store.metadata.clipLength == 10)
        let train = try store.loadSplit("train")
        let expected = MovingShapes.generate(count: 5, frameCount: 12, seed: 7 &* 2 &+ 1)
        for i in 0..<5 { #expect(Array(train.window(sequence: i, start: 0, length: 12)) == expected.sequences[i]) }
        #expect(throws: ClipStoreError.self) {
            try MovingShapes.writeStore(path: path, trainCount: 1, trainFrames: 2, testCount: 0, testFrames: 2, seed: 1)
        }
    }
}
