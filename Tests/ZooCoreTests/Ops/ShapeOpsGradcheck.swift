// Gradcheck rows for reductions, movement ops and matmul.

@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

private func one(_ name: String, _ op: Op, _ shape: [Int], _ f: @escaping @Sendable (Tensor) -> Tensor) -> GradcheckCase {
    GradcheckCase(name: name, op: op, inputs: [GradInput(shape: shape)]) { f($0[0]) }
}

let reductionCases: [GradcheckCase] = [
    one("sum all", .sum, [3, 4]) { $0.sum() },
    one("sum axis 1", .sum, [2, 3, 4]) { $0.sum(axis: 1) },
    one("sum axes 0,2 keepDims", .sum, [2, 3, 4]) { $0.sum(axes: [0, 2], keepDims: true) },
    one("max axis -1", .max, [3, 5]) { $0.max(axis: -1) }.kinked,
    one("max all", .max, [2, 3, 2]) { $0.max() }.kinked,
    one("mean axes", .sum, [2, 3, 4]) { $0.mean(axes: [1, 2]) },
    one("variance", .sum, [2, 6]) { $0.variance(axes: [1]) },
]

let movementCases: [GradcheckCase] = [
    one("reshape", .reshape, [2, 6]) { $0.reshaped([3, 4]) * Tensor(shape: [3, 4], scalars: (0..<12).map(Float.init)) },
    one("permute", .permute, [2, 3, 4]) { $0.permuted(2, 0, 1) },
    one("expand", .expand, [3, 1]) { $0.expanded(to: [2, 3, 4]) },
    one("slice", .slice, [4, 5]) { $0.sliced([1..<3, 2..<5]) },
    one("pad", .pad, [2, 3]) { $0.padded([(1, 0), (2, 1)], value: 0.5) },
    one("flip", .flip, [3, 4]) { $0.flipped(axes: [1]) * Tensor(shape: [4], scalars: [1, 2, 3, 4]) },
    GradcheckCase(name: "concat", op: .concat, inputs: [GradInput(shape: [2, 3]), GradInput(shape: [2, 2])]) {
        concat([$0[0], $0[1]], axis: 1)
    },
    GradcheckCase(name: "stack", op: .concat, inputs: [GradInput(shape: [2, 3]), GradInput(shape: [2, 3])]) {
        stack([$0[0], $0[1]], axis: 1)
    },
]

private func mm(_ name: String, _ sa: [Int], _ sb: [Int], _ ta: Bool, _ tb: Bool) -> GradcheckCase {
    GradcheckCase(name: name, op: .matmul, inputs: [GradInput(shape: sa), GradInput(shape: sb)]) {
        matmul($0[0], $0[1], transposeA: ta, transposeB: tb)
    }
}

let matmulCases: [GradcheckCase] = [
    mm("matmul", [3, 4], [4, 2], false, false),
    mm("matmul Aᵀ", [4, 3], [4, 2], true, false),
    mm("matmul Bᵀ", [3, 4], [2, 4], false, true),
    mm("matmul AᵀBᵀ", [4, 3], [2, 4], true, true),
    mm("matmul batched", [2, 3, 4], [2, 4, 2], false, false),
    mm("matmul batched Aᵀ", [2, 4, 3], [2, 4, 2], true, false),
    mm("matmul shared B", [2, 3, 4], [4, 2], false, false),
    mm("matmul shared Bᵀ", [2, 3, 4], [2, 4], false, true),
    mm("matmul shared B, Aᵀ", [2, 4, 3], [4, 2], true, false),
    mm("matmul shared Bᵀ, Aᵀ", [2, 4, 3], [2, 4], true, true),
]
