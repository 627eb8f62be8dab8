// Gradcheck rows for the convolution primitives: conv (C), its input gradient / transposed conv (T) and its
// weight gradient (G), 2-D and 3-D, first and second order.

@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

private func row(_ name: String, _ op: Op, _ shapes: [[Int]], _ f: @escaping @Sendable ([Tensor]) -> Tensor) -> GradcheckCase {
    GradcheckCase(name: name, op: op, inputs: shapes.map { GradInput(shape: $0) }, f: f)
}

/// G(x, dy) called directly, with the geometry of conv2d/conv3d(x, w) for a weight of `weightShape`.
private func weightGradRow(_ name: String, _ op: Op, x: [Int], weight: [Int], stride: [Int], padding: SpatialPadding,
                           dilation: [Int]) -> GradcheckCase {
    let rank = x.count - 2
    let g = convGeometry(x: Tensor.zeros(x), weight: Tensor.zeros(weight), stride: stride, padding: padding,
                         dilation: dilation, rank: rank, name: name)
    let dyShape = [g.batch, g.outChannels] + Array(g.output.suffix(rank))
    return row(name, op, [x, dyShape]) { t in convolutionWeightGrad(t[0], t[1], geometry: g, rank: rank) }
}

let convCases: [GradcheckCase] = [
    // conv2d (C)
    row("conv2d 3x3", .conv2d, [[1, 2, 4, 4], [3, 2, 3, 3]]) { conv2d($0[0], $0[1]) },
    row("conv2d stride 2 padding 1", .conv2d, [[1, 2, 5, 5], [2, 2, 3, 3]]) { conv2d($0[0], $0[1], stride: (2, 2), padding: (1, 1)) },
    row("conv2d dilation 2 padding (2,1)", .conv2d, [[1, 1, 6, 5], [2, 1, 3, 2]]) {
        conv2d($0[0], $0[1], padding: (2, 1), dilation: (2, 2))
    },
    row("conv2d non-square, batch 2, bias", .conv2d, [[2, 2, 3, 4], [3, 2, 2, 3], [3]]) {
        conv2d($0[0], $0[1], bias: $0[2], stride: (1, 2), padding: (1, 0))
    },
    row("conv2d 1x1 (no im2col), batch 2, bias", .conv2d, [[2, 3, 3, 3], [2, 3, 1, 1], [2]]) { conv2d($0[0], $0[1], bias: $0[2]) },
    row("conv2d 1x1 stride 2", .conv2d, [[1, 2, 5, 4], [2, 2, 1, 1]]) { conv2d($0[0], $0[1], stride: (2, 2)) },
    row("conv2d SAME stride 2 (asymmetric)", .conv2d, [[1, 2, 5, 4], [2, 2, 3, 3]]) {
        conv2d($0[0], $0[1], stride: (2, 2), padding: .same)
    },
    row("conv2d explicit asymmetric padding", .conv2d, [[1, 1, 4, 4], [2, 1, 3, 3]]) {
        conv2d($0[0], $0[1], padding: .explicit([(0, 2), (1, 0)]))
    },
    // transposed conv2d (T)
    row("convTranspose2d stride 2 padding 1 outputPadding 1 bias", .conv2dInputGrad, [[1, 2, 3, 3], [2, 3, 3, 3], [3]]) {
        convTranspose2d($0[0], $0[1], bias: $0[2], stride: (2, 2), padding: (1, 1), outputPadding: (1, 1))
    },
    row("convTranspose2d stride 1 padding 1 (flipped conv path)", .conv2dInputGrad, [[2, 2, 3, 3], [2, 2, 3, 2]]) {
        convTranspose2d($0[0], $0[1], padding: (1, 1))
    },
    row("convTranspose2d dilation 2, stride (1,2), outputPadding (1,0)", .conv2dInputGrad, [[1, 2, 3, 3], [2, 2, 2, 3]]) {
        convTranspose2d($0[0], $0[1], stride: (1, 2), outputPadding: (1, 0), dilation: (2, 2))
    },
    row("convTranspose2d 4x4 stride 2 padding 1 (DCGAN up)", .conv2dInputGrad, [[1, 2, 2, 3], [2, 2, 4, 4]]) {
        convTranspose2d($0[0], $0[1], stride: (2, 2), padding: (1, 1))
    },
    // weight gradient (G)
    weightGradRow("conv2dWeightGrad 3x3 padding 1", .conv2dWeightGrad, x: [2, 2, 4, 4], weight: [2, 2, 3, 3],
                  stride: [1, 1], padding: .explicit([(1, 1), (1, 1)]), dilation: [1, 1]),
    weightGradRow("conv2dWeightGrad stride 2 dilation (1,2)", .conv2dWeightGrad, x: [1, 2, 5, 6], weight: [2, 2, 2, 2],
                  stride: [2, 2], padding: .explicit([(0, 0), (1, 1)]), dilation: [1, 2]),
    weightGradRow("conv2dWeightGrad 1x1", .conv2dWeightGrad, x: [2, 3, 3, 3], weight: [2, 3, 1, 1],
                  stride: [1, 1], padding: .valid, dilation: [1, 1]),
    // conv3d (C)
    row("conv3d 2x2x2 padding 1", .conv3d, [[1, 2, 3, 3, 3], [2, 2, 2, 2, 2]]) { conv3d($0[0], $0[1], padding: (1, 1, 1)) },
    row("conv3d stride 2, batch 2, bias", .conv3d, [[2, 1, 3, 3, 3], [2, 1, 3, 3, 3], [2]]) {
        conv3d($0[0], $0[1], bias: $0[2], stride: (2, 2, 2), padding: (1, 1, 1))
    },
    row("conv3d non-cubic, dilation (1,2,1)", .conv3d, [[1, 2, 2, 5, 3], [2, 2, 1, 2, 2]]) {
        conv3d($0[0], $0[1], stride: (1, 1, 2), dilation: (1, 2, 1))
    },
    row("conv3d SAME stride (1,2,2)", .conv3d, [[1, 1, 3, 4, 5], [2, 1, 3, 3, 3]]) {
        conv3d($0[0], $0[1], stride: (1, 2, 2), padding: .same)
    },
    // transposed conv3d (T)
    row("convTranspose3d stride 2 outputPadding 1 bias", .conv3dInputGrad, [[1, 2, 2, 2, 2], [2, 2, 2, 2, 2], [2]]) {
        convTranspose3d($0[0], $0[1], bias: $0[2], stride: (2, 2, 2), outputPadding: (1, 0, 1))
    },
    row("convTranspose3d stride 1 padding 1", .conv3dInputGrad, [[1, 2, 2, 3, 3], [2, 1, 2, 3, 3]]) {
        convTranspose3d($0[0], $0[1], padding: (1, 1, 1))
    },
    // weight gradient 3-D (G)
    weightGradRow("conv3dWeightGrad padding 1", .conv3dWeightGrad, x: [1, 2, 3, 3, 3], weight: [2, 2, 2, 2, 2],
                  stride: [1, 1, 1], padding: .explicit([(1, 1), (1, 1), (1, 1)]), dilation: [1, 1, 1]),
    weightGradRow("conv3dWeightGrad stride 2", .conv3dWeightGrad, x: [2, 1, 3, 4, 3], weight: [2, 1, 2, 2, 2],
                  stride: [2, 2, 2], padding: .explicit([(0, 1), (1, 0), (0, 0)]), dilation: [1, 1, 1]),
]

/// Second-order rows: conv2d, conv3d and their transposes differentiated twice (both inputs), and a
/// Linear-like matmul + bias. The nonlinearity or the product makes the second derivative nonzero.
let convSecondOrderCases: [GradcheckCase] = [
    row("conv2d (2nd order) y·y, bias", .conv2d, [[1, 2, 4, 4], [2, 2, 3, 3], [2]]) {
        let y = conv2d($0[0], $0[1], bias: $0[2], padding: (1, 1))
        return y * y
    },
    row("conv2d (2nd order) stride 2, leakyRelu", .conv2d, [[2, 1, 5, 5], [2, 1, 3, 3]]) {
        leakyRelu(conv2d($0[0], $0[1], stride: (2, 2), padding: (1, 1)), negativeSlope: 0.2) * conv2d($0[0], $0[1], stride: (2, 2), padding: (1, 1))
    }.step(2e-3, tolerance: 8e-3),
    row("convTranspose2d (2nd order) stride 2", .conv2dInputGrad, [[1, 2, 3, 3], [2, 2, 3, 3]]) {
        let y = convTranspose2d($0[0], $0[1], stride: (2, 2), padding: (1, 1), outputPadding: (1, 1))
        return y * y
    },
    weightGradRow("conv2dWeightGrad (2nd order)", .conv2dWeightGrad, x: [1, 2, 4, 4], weight: [2, 2, 3, 3],
                  stride: [1, 1], padding: .explicit([(1, 1), (1, 1)]), dilation: [1, 1]),
    row("conv3d (2nd order) y·y, bias", .conv3d, [[1, 2, 3, 3, 3], [2, 2, 2, 2, 2], [2]]) {
        let y = conv3d($0[0], $0[1], bias: $0[2], padding: (1, 1, 1))
        return y * y
    },
    row("conv3d (2nd order) stride 2, leakyRelu", .conv3d, [[1, 1, 4, 4, 4], [2, 1, 2, 2, 2]]) {
        leakyRelu(conv3d($0[0], $0[1], stride: (2, 2, 2)), negativeSlope: 0.2) * conv3d($0[0], $0[1], stride: (2, 2, 2))
    },
    row("convTranspose3d (2nd order)", .conv3dInputGrad, [[1, 2, 2, 2, 2], [2, 2, 2, 2, 2]]) {
        let y = convTranspose3d($0[0], $0[1], stride: (2, 2, 2))
        return y * y
    },
    row("linear: leakyRelu(x·Wᵀ + b) (2nd order)", .matmul, [[3, 4], [5, 4], [5]]) {
        let y = matmul($0[0], $0[1], transposeB: true) + $0[2]
        return leakyRelu(y, negativeSlope: 0.2) * y
    },
]
