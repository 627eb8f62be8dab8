// Elementwise kernels (map, broadcasting zip and zip3, generic and closure forms) against plain loops
// over NumPy-broadcast indices, bit for bit, on shapes that take every path: same shape, scalar on either
// side, inner-axis broadcasts, middle-axis broadcasts, rank differences, empty tensors, and sizes large
// enough to be split over threads (an add from 1 M elements; including a few long rows split mid-row).

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

private func randomTensor(_ shape: [Int], _ rng: inout RandomGenerator) -> Tensor {
    Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-2, 2) })
}

/// The row-major index into `shape` of the element that output index `flat` of `out` broadcasts from.
private func sourceIndex(_ flat: Int, out: [Int], shape: [Int]) -> Int {
    var rem = flat, index = 0, step = 1
    for d in stride(from: out.count - 1, through: 0, by: -1) {
        let i = rem % out[d]
        rem /= out[d]
        let sd = d - (out.count - shape.count)
        if sd >= 0 {
            if shape[sd] != 1 { index += i * step }
            step *= shape[sd]
        }
    }
    return index
}

/// Each input's values broadcast to the inputs' common shape, element by element.
private func broadcastValues(_ inputs: [Tensor]) -> [[Float]] {
    let out = inputs.dropFirst().reduce(inputs[0].shape) { Shape.broadcast($0, $1.shape) }
    return inputs.map { input in
        let values = input.scalars
        return (0..<out.reduce(1, *)).map { values[sourceIndex($0, out: out, shape: input.shape)] }
    }
}

/// out = f over the inputs broadcast to their common shape, one element at a time.
private func plainLoop(_ inputs: [Tensor], _ f: ([Float]) -> Float) -> [Float] {
    let columns = broadcastValues(inputs)
    return (0..<columns[0].count).map { i in f(columns.map { $0[i] }) }
}

/// (a, b) shape pairs; the large ones exceed the threads' minimum work.
private let shapePairs: [([Int], [Int])] = [
    ([3, 4], [3, 4]), ([5], []), ([], [5]), ([1], [6]), ([2, 3, 4], [4]), ([2, 3, 4], [3, 1]),
    ([2, 1, 4], [1, 3, 1]), ([4, 1], [1, 5]), ([2, 3, 4, 5], [1, 3, 1, 1]), ([1, 7], [7]),
    ([0, 3], [3]), ([2, 0], [2, 1]),
    ([8, 16, 32, 32], [16, 1, 1]), ([8, 16, 32, 32], [8, 16, 32, 32]), ([300_000], []),
    ([3, 400_001], [3, 1]), ([4, 33, 1000], [4, 1, 1000]), ([257, 1031], [1031]), ([2, 70_001], [2, 1]),
]

@Suite struct ElementwiseKernels {
    @Test func zipMatchesPlainLoop() {
        var rng = RandomGenerator(seed: 11)
        for (sa, sb) in shapePairs {
            let a = randomTensor(sa, &rng), b = randomTensor(sb, &rng)
            let v = broadcastValues([a, b])
            let (x, y) = (v[0], v[1])
            func check(_ name: String, _ got: Tensor, _ f: (Float, Float) -> Float) {
                #expect(got.shape == Shape.broadcast(sa, sb), "\(name) \(sa) \(sb): shape")
                #expect(got.scalars == x.indices.map { f(x[$0], y[$0]) }, "\(name) \(sa) \(sb)")
            }
            check("add", Kernels.zip(a, b, Pointwise.Add()), +)
            check("sub", Kernels.zip(a, b, Pointwise.Subtract()), -)
            check("mul", a * b, *)
            check("div", a / b, /)
            check("max weight", Kernels.zip(a, b, Pointwise.MaximumWeight())) { $0 > $1 ? 1 : ($0 == $1 ? 0.5 : 0) }
            check("closure", Kernels.zip(a, b) { 2 * $0 - $1 }) { 2 * $0 - $1 }
        }
    }

    @Test func zip3MatchesPlainLoop() {
        var rng = RandomGenerator(seed: 12)
        let triples: [([Int], [Int], [Int])] = [
            ([3, 4], [3, 4], [3, 4]), ([2, 3, 4], [4], []), ([1, 5], [3, 1], [5]), ([4, 1, 6], [1, 3, 1], [4, 3, 6]),
            ([8, 16, 32, 32], [16, 1, 1], []), ([2, 3, 200_001], [3, 1], [2, 1, 200_001]), ([0], [1], [0]),
        ]
        for (sa, sb, sc) in triples {
            let mask = randomTensor(sa, &rng).greater(Tensor(0))
            let b = randomTensor(sb, &rng), c = randomTensor(sc, &rng)
            let expected = plainLoop([mask, b, c]) { $0[0] != 0 ? $0[1] : $0[2] }
            #expect(Kernels.zip3(mask, b, c, Pointwise.Select()).scalars == expected, "select \(sa) \(sb) \(sc)")
            #expect(`where`(mask, b, c).scalars == expected, "where \(sa) \(sb) \(sc)")
            #expect(Kernels.zip3(mask, b, c) { $0 * $1 + $2 }.scalars == plainLoop([mask, b, c]) { $0[0] * $0[1] + $0[2] },
                    "closure \(sa) \(sb) \(sc)")
        }
    }

    @Test func mapMatchesPlainLoop() {
        var rng = RandomGenerator(seed: 13)
        for shape in [[], [0], [7], [3, 5], [1_000_003], [8, 16, 32, 32]] {
            let x = randomTensor(shape, &rng)
            let v = x.scalars
            #expect(leakyRelu(x, negativeSlope: 0.2).scalars == v.map { $0 > 0 ? $0 : 0.2 * $0 }, "leakyRelu \(shape)")
            // exp, tanh and sigmoid use zoo's branch-free functions (their accuracy: VectorMathTests).
            #expect(exp(x).scalars == v.map(vectorExp), "exp \(shape)")
            #expect(tanh(x).scalars == v.map(vectorTanh), "tanh \(shape)")
            #expect(sigmoid(x).scalars == v.map(vectorSigmoid), "sigmoid \(shape)")
            #expect(clamp(x, min: -0.5, max: 1).scalars == v.map { Swift.min(Swift.max($0, -0.5), 1) }, "clamp \(shape)")
            #expect(Kernels.map(x) { $0 * 3 + 1 }.scalars == v.map { $0 * 3 + 1 }, "closure \(shape)")
            #expect(x.shape == shape)
        }
    }

    /// Kernels called from inside a parallel region run inline and give the same values.
    @Test func nestedInsideParallelRegion() {
        var rng = RandomGenerator(seed: 14)
        let a = randomTensor([4, 100_000], &rng), b = randomTensor([4, 1], &rng)
        let expected = (a * b).scalars
        let results = UnsafeMutableBufferPointer<[Float]>.allocate(capacity: 2)
        results.initialize(repeating: [])
        defer { results.deallocate() }
        Parallel.forThreads(2) { t in results[t] = Kernels.zip(a, b, Pointwise.Multiply()).scalars }
        #expect(results[0] == expected && results[1] == expected)
    }

    @Test func taskCountFollowsWorkAndRegion() {
        #expect(Parallel.taskCount(10, minimumWork: 65_536) == 1)
        #expect(Parallel.taskCount(1 << 20, minimumWork: 65_536) == Parallel.coreCount)
        #expect(Parallel.taskCount(3, minimumWork: 1, costPerItem: 1 << 20) == Swift.min(3, Parallel.coreCount))
        var inside = 0
        Parallel.forThreads(2) { t in if t == 0 { inside = Parallel.taskCount(1 << 20, minimumWork: 1) } }
        #expect(inside == 1)
    }
}

