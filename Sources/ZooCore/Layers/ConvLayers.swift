// Convolution layers (NCHW / NCDHW, PyTorch weight layouts and default initialisation).

/// A layer whose forward is a function of its input and one weight tensor, so a wrapper can substitute
/// a transformed weight (`SpectralNorm`).
public protocol WeightedLayer: Module {
    /// The weight parameter.
    var weight: Parameter { get }
    /// The weight axis holding output features (0 for Linear and convolutions, 1 for transposed ones).
    static var outputAxis: Int { get }
    /// The forward pass with `weight` in place of the parameter's value.
    func callAsFunction(_ x: Tensor, weight: Tensor) -> Tensor
}

extension Linear: WeightedLayer {
    public static var outputAxis: Int { 0 }

    public func callAsFunction(_ x: Tensor, weight w: Tensor) -> Tensor {
        precondition(x.rank >= 1 && x.shape[x.rank - 1] == inFeatures,
                     "Linear(\(inFeatures)→\(outFeatures)) got input \(x.shape)")
        let flat = x.rank == 2 ? x : x.reshaped([-1, inFeatures])
        var y = matmul(flat, w, transposeB: true)
        if let bias { y = y + bias.value }
        return x.rank == 2 ? y : y.reshaped(Array(x.shape.dropLast()) + [outFeatures])
    }
}

/// PyTorch's `nn.Conv2d` (groups 1): weight [Cout, Cin, kh, kw], bias [Cout]; W, b ~ U(±1/√(Cin·kh·kw)).
public final class Conv2d: WeightedLayer {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: (Int, Int)
    public let padding: SpatialPadding
    public let dilation: (Int, Int)

    public static var outputAxis: Int { 0 }

    /// A convolution with square kernel, symmetric padding (`padding` on every side) and equal strides.
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            dilation: Int = 1, bias: Bool = true, rng: inout RandomGenerator) {
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
                  padding: .explicit([(padding, padding), (padding, padding)]), dilation: (dilation, dilation),
                  bias: bias, rng: &rng)
    }

    /// A convolution with any kernel, stride, padding (`.same`, `.valid`, explicit) and dilation.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: SpatialPadding = .valid, dilation: (Int, Int) = (1, 1), bias: Bool = true,
                rng: inout RandomGenerator) {
        let shape = [outChannels, inChannels, kernelSize.0, kernelSize.1]
        weight = Parameter(Init.defaultWeight(shape, rng: &rng))
        self.bias = bias ? Parameter(Init.defaultBias(outChannels, fanIn: Init.fans(shape).fanIn, rng: &rng)) : nil
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
    }

    /// `x` [N, Cin, H, W] → [N, Cout, oH, oW].
    public func callAsFunction(_ x: Tensor) -> Tensor { callAsFunction(x, weight: weight.value) }

    public func callAsFunction(_ x: Tensor, weight w: Tensor) -> Tensor {
        conv2d(x, w, bias: bias?.value, stride: stride, padding: padding, dilation: dilation)
    }
}

/// PyTorch's `nn.ConvTranspose2d` (groups 1): weight [Cin, Cout, kh, kw], bias [Cout]. As PyTorch,
/// fan_in is taken from weight axis 1: W, b ~ U(±1/√(Cout·kh·kw)).
public final class ConvTranspose2d: WeightedLayer {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let outputPadding: (Int, Int)
    public let dilation: (Int, Int)

    public static var outputAxis: Int { 1 }

    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            outputPadding: Int = 0, dilation: Int = 1, bias: Bool = true, rng: inout RandomGenerator) {
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
                  padding: (padding, padding), outputPadding: (outputPadding, outputPadding),
                  dilation: (dilation, dilation), bias: bias, rng: &rng)
    }

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), outputPadding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1),
                bias: Bool = true, rng: inout RandomGenerator) {
        let shape = [inChannels, outChannels, kernelSize.0, kernelSize.1]
        weight = Parameter(Init.defaultWeight(shape, rng: &rng))
        self.bias = bias ? Parameter(Init.defaultBias(outChannels, fanIn: Init.fans(shape).fanIn, rng: &rng)) : nil
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.dilation = dilation
    }

    /// `x` [N, Cin, H, W] → [N, Cout, (H−1)·s − 2p + d·(k−1) + outputPadding + 1, …].
    public func callAsFunction(_ x: Tensor) -> Tensor { callAsFunction(x, weight: weight.value) }

    public func callAsFunction(_ x: Tensor, weight w: Tensor) -> Tensor {
        convTranspose2d(x, w, bias: bias?.value, stride: stride, padding: padding, outputPadding: outputPadding,
                        dilation: dilation)
    }
}

/// PyTorch's `nn.Conv3d` (groups 1): weight [Cout, Cin, kd, kh, kw]; W, b ~ U(±1/√(Cin·kd·kh·kw)).
public final class Conv3d: WeightedLayer {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: (Int, Int, Int)
    public let padding: SpatialPadding
    public let dilation: (Int, Int, Int)

    public static var outputAxis: Int { 0 }

    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            dilation: Int = 1, bias: Bool = true, rng: inout RandomGenerator) {
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize, kernelSize),
                  stride: (stride, stride, stride),
                  padding: .explicit([(padding, padding), (padding, padding), (padding, padding)]),
                  dilation: (dilation, dilation, dilation), bias: bias, rng: &rng)
    }

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int, Int), stride: (Int, Int, Int) = (1, 1, 1),
                padding: SpatialPadding = .valid, dilation: (Int, Int, Int) = (1, 1, 1), bias: Bool = true,
                rng: inout RandomGenerator) {
        let shape = [outChannels, inChannels, kernelSize.0, kernelSize.1, kernelSize.2]
        weight = Parameter(Init.defaultWeight(shape, rng: &rng))
        self.bias = bias ? Parameter(Init.defaultBias(outChannels, fanIn: Init.fans(shape).fanIn, rng: &rng)) : nil
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
    }

    /// `x` [N, Cin, D, H, W] → [N, Cout, oD, oH, oW].
    public func callAsFunction(_ x: Tensor) -> Tensor { callAsFunction(x, weight: weight.value) }

    public func callAsFunction(_ x: Tensor, weight w: Tensor) -> Tensor {
        conv3d(x, w, bias: bias?.value, stride: stride, padding: padding, dilation: dilation)
    }
}

/// PyTorch's `nn.ConvTranspose3d` (groups 1): weight [Cin, Cout, kd, kh, kw]; fan_in from axis 1.
public final class ConvTranspose3d: WeightedLayer {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: (Int, Int, Int)
    public let padding: (Int, Int, Int)
    public let outputPadding: (Int, Int, Int)
    public let dilation: (Int, Int, Int)

    public static var outputAxis: Int { 1 }

    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            outputPadding: Int = 0, dilation: Int = 1, bias: Bool = true, rng: inout RandomGenerator) {
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize, kernelSize),
                  stride: (stride, stride, stride), padding: (padding, padding, padding),
                  outputPadding: (outputPadding, outputPadding, outputPadding),
                  dilation: (dilation, dilation, dilation), bias: bias, rng: &rng)
    }

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int, Int), stride: (Int, Int, Int) = (1, 1, 1),
                padding: (Int, Int, Int) = (0, 0, 0), outputPadding: (Int, Int, Int) = (0, 0, 0),
                dilation: (Int, Int, Int) = (1, 1, 1), bias: Bool = true, rng: inout RandomGenerator) {
        let shape = [inChannels, outChannels, kernelSize.0, kernelSize.1, kernelSize.2]
        weight = Parameter(Init.defaultWeight(shape, rng: &rng))
        self.bias = bias ? Parameter(Init.defaultBias(outChannels, fanIn: Init.fans(shape).fanIn, rng: &rng)) : nil
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.dilation = dilation
    }

    /// `x` [N, Cin, D, H, W] → [N, Cout, oD, oH, oW].
    public func callAsFunction(_ x: Tensor) -> Tensor { callAsFunction(x, weight: weight.value) }

    public func callAsFunction(_ x: Tensor, weight w: Tensor) -> Tensor {
        convTranspose3d(x, w, bias: bias?.value, stride: stride, padding: padding, outputPadding: outputPadding,
                        dilation: dilation)
    }
}
