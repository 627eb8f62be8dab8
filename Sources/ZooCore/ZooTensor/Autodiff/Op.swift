// The primitive ops: the ones that record tape nodes with a backward closure of their own.
// Everything else (softmax, losses, GELU's tanh form, ...) is composed of these and needs no backward.
// Every case must have a row in the gradcheck table (Tests/ZooCoreTests/Ops/GradcheckTable.swift, with rows
// from the *Gradcheck.swift files beside it); a meta-test there fails when one is missing.

/// A primitive, differentiable op.
public enum Op: String, CaseIterable, Sendable {
    case leaf
    // unary
    case neg, exp, log, sqrt, abs, tanh, sigmoid, relu, leakyRelu, softplus, gelu, silu, sin, cos
    case powScalar, clamp
    // binary (broadcasting)
    case add, sub, mul, div, pow, maximum, minimum
    case `where`
    // reductions
    case sum, max
    // movement
    case reshape, permute, expand, slice, pad, concat, flip
    // BLAS-backed
    case matmul
    case conv2d, conv2dInputGrad, conv2dWeightGrad
    case conv3d, conv3dInputGrad, conv3dWeightGrad
    // pooling and resizing
    case avgPool2d, avgPool3d, avgPoolBackward, maxPool2d, maxPool3d, gatherIndices, scatterIndices
    case resizeNearest, resizeBilinear, resizeBilinearBackward
    // fused normalisation (forward and backward kernels; composite backward when differentiated twice)
    case groupNorm, batchNorm, channelLayerNorm
}
