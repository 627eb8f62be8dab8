// Explicit, seeded random number generation. There is no global generator anywhere in the zoo.

import Foundation

/// A seeded xoshiro256** generator with normal, uniform and Bernoulli draws. Pass it `inout` to everything
/// random; its `state` can be saved in a checkpoint and restored for an exact resume.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Equatable {
    /// The four state words (never all zero).
    public private(set) var state: (UInt64, UInt64, UInt64, UInt64)
    /// A cached second normal draw from the last Box-Muller pair.
    private var spareNormal: Float?
    /// Under data-parallel training, this process's share of the batch of the step being trained (the
    /// trainer sets it around `trainStep`); nil otherwise. Draws made per batch row (`perRow`, and
    /// `Init.batchNormal` in ZooNN) then draw for every row of the global batch and keep this process's
    /// rows, so every process consumes the stream a single process would. Not part of the state.
    public var batchShard: BatchShard?

    /// Seeds the state through SplitMix64, so nearby seeds give unrelated streams.
    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// Restores a generator from `stateWords` (as returned by `stateWords`).
    public init(stateWords: [UInt64]) {
        require(stateWords.count == 5, "RandomGenerator state needs 5 words, got \(stateWords.count)")
        state = (stateWords[0], stateWords[1], stateWords[2], stateWords[3])
        spareNormal = stateWords[4] == UInt64.max ? nil : Float(bitPattern: UInt32(truncatingIfNeeded: stateWords[4]))
    }

    /// The full state (4 words plus the cached normal), for checkpoints.
    public var stateWords: [UInt64] {
        [state.0, state.1, state.2, state.3, spareNormal.map { UInt64($0.bitPattern) } ?? UInt64.max]
    }

    public static func == (a: RandomGenerator, b: RandomGenerator) -> Bool { a.stateWords == b.stateWords }

    /// One draw per row of a batch of `rows` rows: `(0..<rows).map { draw(&self) }`, except under a
    /// `batchShard`, where `rows` is this process's share and the draws are made for every row of the
    /// global batch (`rows · count` of them, in order) and this process's rows are returned.
    public mutating func perRow<T>(_ rows: Int, _ draw: (inout RandomGenerator) -> T) -> [T] {
        guard let shard = batchShard else { return (0..<rows).map { _ in draw(&self) } }
        let all = (0..<(rows * shard.count)).map { _ in draw(&self) }
        return Array(all[shard.rows(local: rows)])
    }

    @inline(__always) private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    @inline(__always) public mutating func next() -> UInt64 {
        let result = Self.rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = Self.rotl(state.3, 45)
        return result
    }

    /// A new generator derived from this one (advances this one), for giving a component its own stream.
    public mutating func split() -> RandomGenerator { RandomGenerator(seed: next()) }

    /// Uniform in [0, 1) with 24 bits of precision.
    @inline(__always) public mutating func uniform() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [low, high).
    @inline(__always) public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * uniform()
    }

    /// Standard normal draw (Box-Muller; both values of a pair are used).
    public mutating func normal() -> Float {
        if let spare = spareNormal { spareNormal = nil; return spare }
        var u1 = Double(next() >> 11) * 0x1p-53
        if u1 < 1e-300 { u1 = 1e-300 }
        let u2 = Double(next() >> 11) * 0x1p-53
        let r = (-2 * Foundation.log(u1)).squareRoot()
        let theta = 2 * Double.pi * u2
        spareNormal = Float(r * Foundation.sin(theta))
        return Float(r * Foundation.cos(theta))
    }

    /// 1 with probability `p`, else 0.
    @inline(__always) public mutating func bernoulli(_ p: Float) -> Float { uniform() < p ? 1 : 0 }

    /// Uniform integer in 0..<n.
    public mutating func int(below n: Int) -> Int { Int(next(upperBound: UInt64(n))) }
}


/// Which rows of each global batch this process holds in data-parallel training: `rank` of `count`
/// processes holds rows [rank·b, (rank + 1)·b) of a global batch of count·b rows.
public struct BatchShard: Sendable, Equatable, CustomStringConvertible {
    /// This process's index, 0..<count.
    public let rank: Int
    /// The number of processes sharing each batch.
    public let count: Int

    public init(rank: Int, count: Int) {
        require(count >= 1 && rank >= 0 && rank < count, "BatchShard: rank \(rank) of \(count)")
        self.rank = rank
        self.count = count
    }

    /// This process's rows of a global batch whose shares are `local` rows each.
    public func rows(local: Int) -> Range<Int> { (rank * local)..<((rank + 1) * local) }

    /// This process's rows of a global batch of `global` rows (which `count` must divide).
    public func rows(global: Int) -> Range<Int> {
        require(global % count == 0, "a batch of \(global) rows does not split over \(count) processes")
        return rows(local: global / count)
    }

    public var description: String { "rank \(rank) of \(count)" }
}
