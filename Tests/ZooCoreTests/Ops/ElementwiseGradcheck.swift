// Gradcheck rows for unary, binary and where primitives, with broadcasting variants.

@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

private func unary(_ name: String, _ op: Op, low: Float = -1, high: Float = 1,
                   _ f: @escaping @Sendable (Tensor) -> Tensor) -> GradcheckCase {
    GradcheckCase(name: name, op: op, inputs: [GradInput(shape: [3, 4], low: low, high: high)]) { f($0[0]) }
}

private func binary(_ name: String, _ op: Op, _ sa: [Int], _ sb: [Int], low: Float = -1, high: Float = 1,
                    _ f: @escaping @Sendable (Tensor, Tensor) -> Tensor) -> GradcheckCase {
    GradcheckCase(name: name, op: op, inputs: [GradInput(shape: sa, low: low, high: high),
                                               GradInput(shape: sb, low: low, high: high)]) { f($0[0], $0[1]) }
}

let elementwiseCases: [GradcheckCase] = [
    unary("neg", .neg) { -$0 },
    unary("exp", .exp) { exp($0) },
    unary("log", .log, low: 0.2, high: 2) { log($0) },
    unary("sqrt", .sqrt, low: 0.2, high: 2) { sqrt($0) },
    unary("abs", .abs, low: 0.1, high: 1) { abs($0) * abs(-$0) }.kinked,
    unary("tanh", .tanh) { tanh($0) },
    unary("sigmoid", .sigmoid, low: -3, high: 3) { sigmoid($0) },
    unary("relu", .relu, low: 0.1, high: 1) { relu($0) + relu(-$0) }.kinked,
    unary("leakyRelu", .leakyRelu, low: 0.1, high: 1) { leakyRelu($0, negativeSlope: 0.2) + leakyRelu(-$0, negativeSlope: 0.2) }.kinked,
    unary("softplus", .softplus, low: -3, high: 3) { softplus($0) },
    unary("gelu", .gelu, low: -3, high: 3) { gelu($0) },
    unary("silu", .silu, low: -3, high: 3) { silu($0) },
    unary("sin", .sin, low: -3, high: 3) { sin($0) },
    unary("cos", .cos, low: -3, high: 3) { cos($0) },
    unary("powScalar 3", .powScalar, low: 0.2, high: 2) { pow($0, 3) },
    unary("powScalar 2", .powScalar) { pow($0, 2) },
    unary("powScalar 0.5", .powScalar, low: 0.2, high: 2) { pow($0, 0.5) },
    unary("clamp", .clamp, low: -2, high: 2) { clamp($0 * 0.999 + 0.0031, min: -0.9, max: 0.9) }.kinked,
    binary("add", .add, [3, 4], [3, 4]) { $0 + $1 },
    binary("add broadcast row", .add, [3, 4], [4]) { $0 + $1 },
    binary("add broadcast column", .add, [2, 3, 4], [3, 1]) { $0 + $1 },
    binary("add broadcast both", .add, [3, 1], [1, 4]) { $0 + $1 },
    binary("sub", .sub, [3, 4], [3, 4]) { $0 - $1 },
    binary("sub broadcast", .sub, [2, 3], [2, 1]) { $0 - $1 },
    binary("mul", .mul, [3, 4], [3, 4]) { $0 * $1 },
    binary("mul broadcast channel", .mul, [2, 3, 2, 2], [1, 3, 1, 1]) { $0 * $1 },
    binary("mul scalar tensor", .mul, [3, 4], []) { $0 * $1 },
    binary("div", .div, [3, 4], [3, 4], low: 0.5, high: 2) { $0 / $1 },
    binary("div broadcast", .div, [3, 4], [1, 4], low: 0.5, high: 2) { $0 / $1 },
    binary("pow", .pow, [3, 4], [3, 4], low: 0.5, high: 2) { pow($0, $1) },
    binary("pow broadcast", .pow, [3, 4], [4], low: 0.5, high: 2) { pow($0, $1) },
    binary("maximum", .maximum, [3, 4], [3, 4]) { maximum($0, $1) }.kinked,
    binary("maximum broadcast", .maximum, [3, 4], [4]) { maximum($0, $1) }.kinked,
    binary("minimum", .minimum, [3, 4], [3, 4]) { minimum($0, $1) }.kinked,
    binary("minimum broadcast", .minimum, [3, 4], [3, 1]) { minimum($0, $1) }.kinked,
    GradcheckCase(name: "where", op: .where, inputs: [GradInput(shape: [3, 4]), GradInput(shape: [3, 4])]) { x in
        let mask = Tensor(shape: [3, 4], scalars: (0..<12).map { Float($0 % 3 == 0 ? 1 : 0) })
        return `where`(mask, x[0], x[1])
    },
    GradcheckCase(name: "where broadcast", op: .where, inputs: [GradInput(shape: [3, 4]), GradInput(shape: [4])]) { x in
        let mask = Tensor(shape: [3, 1], scalars: [1, 0, 1])
        return `where`(mask, x[0], x[1])
    },
]

/// Second-order rows: the elementwise ops a gradient penalty differentiates twice.
let elementwiseSecondOrderCases: [GradcheckCase] = [
    binary("add (2nd order)", .add, [3, 4], [4]) { ($0 + $1) * ($0 + $1) },
    binary("mul (2nd order)", .mul, [3, 4], [3, 4]) { $0 * $1 * $0 },
    unary("sqrt (2nd order)", .sqrt, low: 0.3, high: 2) { sqrt($0) },
    unary("leakyRelu (2nd order)", .leakyRelu, low: 0.1, high: 1) { leakyRelu($0 * $0 - 0.3, negativeSlope: 0.2) * $0 }.kinked,
    GradcheckCase(name: "sum (2nd order)", op: .sum, inputs: [GradInput(shape: [3, 4])]) { x in
        let s = x[0].sum(axis: 1, keepDims: true)
        return s * s * x[0]
    },
    unary("tanh (2nd order)", .tanh) { tanh($0) },
    unary("exp (2nd order)", .exp) { exp($0) },
]
