// Transposed convolutions: the input-gradient op T of the convolution that maps the (larger) output back
// to the input, with PyTorch's weight layout [Cin, Cout, k...] and output size
//   out = (in − 1)·s − 2p + d·(k − 1) + outputPadding + 1.
// They are recorded as .conv2dInputGrad / .conv3dInputGrad (see Conv.swift for the derivatives).

/// Geometry of the convolution whose input gradient is the transposed convolution of x [N, Cin, in...]
/// with w [Cin, Cout, k...]: that convolution maps [N, Cout, out...] to [N, Cin, in...].
private func transposeGeometry(x: Tensor, weight w: Tensor, stride: [Int], padding: [Int], outputPadding: [Int],
                               dilation: [Int], rank: Int, name: String) -> ConvGeometry {
    require(x.rank == rank + 2, "\(name): input must be [N, C, \(rank == 2 ? "H, W" : "D, H, W")], got \(x.shape)")
    require(w.rank == rank + 2, "\(name): weight must be [Cin, Cout, \(rank == 2 ? "kh, kw" : "kd, kh, kw")], got \(w.shape)")
    require(w.shape[0] == x.shape[1], "\(name): weight \(w.shape) expects \(w.shape[0]) input channels, input \(x.shape) has \(x.shape[1])")
    require(stride.allSatisfy { $0 > 0 } && dilation.allSatisfy { $0 > 0 } && padding.allSatisfy { $0 >= 0 },
                 "\(name): stride and dilation must be positive, padding non-negative")
    for i in 0..<rank {
        require(outputPadding[i] >= 0 && outputPadding[i] < Swift.max(stride[i], dilation[i]),
                     "\(name): outputPadding \(outputPadding) must be smaller than stride or dilation")
    }
    let input = Array(x.shape[2...]), kernel = Array(w.shape[2...])
    let output = (0..<rank).map { (i: Int) -> Int in
        let reach: Int = dilation[i] * (kernel[i] - 1)
        return (input[i] - 1) * stride[i] - 2 * padding[i] + reach + outputPadding[i] + 1
    }
    require(output.allSatisfy { $0 > 0 }, "\(name): output size \(output) is not positive")
    // Roles swap: the transposed conv's output is the convolution's input.
    return ConvGeometry(batch: x.shape[0], inChannels: w.shape[1], outChannels: w.shape[0], input: asVolume(output),
                        output: asVolume(input), kernel: asVolume(kernel), stride: asVolume(stride),
                        dilation: asVolume(dilation), padBefore: asVolume(padding, fill: 0))
}

/// 2-D transposed convolution (as PyTorch's `F.conv_transpose2d`, groups 1).
///
/// - Parameters:
///   - x: `[N, Cin, H, W]`.
///   - weight: `[Cin, Cout, kh, kw]`.
///   - bias: `[Cout]`.
///   - outputPadding: extra rows/columns on the bottom/right of the output (each < stride or dilation).
/// - Returns: `[N, Cout, oH, oW]`, o = (in − 1)·s − 2p + d·(k − 1) + outputPadding + 1.
public func convTranspose2d(_ x: Tensor, _ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                            padding: (Int, Int) = (0, 0), outputPadding: (Int, Int) = (0, 0),
                            dilation: (Int, Int) = (1, 1)) -> Tensor {
    let g = transposeGeometry(x: x, weight: weight, stride: [stride.0, stride.1], padding: [padding.0, padding.1],
                              outputPadding: [outputPadding.0, outputPadding.1], dilation: [dilation.0, dilation.1],
                              rank: 2, name: "convTranspose2d")
    if let bias { require(bias.shape == [g.inChannels], "convTranspose2d bias must be [\(g.inChannels)], got \(bias.shape)") }
    return convolutionInputGrad(x, weight, bias: bias, geometry: g, rank: 2)
}

/// 3-D transposed convolution (as PyTorch's `F.conv_transpose3d`, groups 1).
///
/// - Parameters:
///   - x: `[N, Cin, D, H, W]`.
///   - weight: `[Cin, Cout, kd, kh, kw]`.
///   - bias: `[Cout]`.
/// - Returns: `[N, Cout, oD, oH, oW]`, o = (in − 1)·s − 2p + d·(k − 1) + outputPadding + 1.
public func convTranspose3d(_ x: Tensor, _ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int, Int) = (1, 1, 1),
                            padding: (Int, Int, Int) = (0, 0, 0), outputPadding: (Int, Int, Int) = (0, 0, 0),
                            dilation: (Int, Int, Int) = (1, 1, 1)) -> Tensor {
    let g = transposeGeometry(x: x, weight: weight, stride: [stride.0, stride.1, stride.2],
                              padding: [padding.0, padding.1, padding.2],
                              outputPadding: [outputPadding.0, outputPadding.1, outputPadding.2],
                              dilation: [dilation.0, dilation.1, dilation.2], rank: 3, name: "convTranspose3d")
    if let bias { require(bias.shape == [g.inChannels], "convTranspose3d bias must be [\(g.inChannels)], got \(bias.shape)") }
    return convolutionInputGrad(x, weight, bias: bias, geometry: g, rank: 3)
}
