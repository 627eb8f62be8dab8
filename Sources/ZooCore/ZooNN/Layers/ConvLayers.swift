// Convolution layers (NCHW / NCDHW, PyTorch weight layouts and default initialisation).

/// A layer whose forward is a function of its input and one weight tensor, so a wrapper can substitute
/// a transformed weight (`SpectralNorm`).
import ZooTensor

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
        require(x.rank >= 1 && x.shape[x.rank - 1] == inFeatures,
                     "Linear(\(inFeatures)→\(outFeatures)) got input \(x.shape)")
        let flat = x.rank == 2 ? x : x.reshaped([-1, inFeatures])
        var y = matmul(flat, w, transposeB: true)
        if let bias { y = y + bias.value }
        return x.rank == 2 ? y : y.reshaped(Array(x.shape.dropLast()) + [outFeatures])
    }
}

/// What the four convolution layers share: a weight and an optional bias with PyTorch's default
/// initialisation, and a forward that is the functional convolution with the layer's geometry.
/// Subclasses (`Conv2d`, `ConvTranspose2d`, `Conv3d`, `ConvTranspose3d`) only state the weight shape
/// and the geometry.
public class ConvolutionLayer: Module {
    /// The weight, in PyTorch's layout for the subclass.
    public let weight: Parameter
    /// [Cout], or nil without bias.
    public let bias: Parameter?
    /// The functional convolution with this layer's geometry: (input, weight, bias) → output.
    private let convolve: (Tensor, Tensor, Tensor?) -> Tensor

    /// Draws the weight of `weightShape` ~ U(±1/√fan_in), then (with `bias`) `outChannels` biases from the
    /// same range; fan_in is taken from weight axis 1 (PyTorch's `_calculate_fan_in_and_fan_out`).
    init(weightShape: [Int], outChannels: Int, bias: Bool, rng: inout RandomGenerator,
         convolve: @escaping (Tensor, Tensor, Tensor?) -> Tensor) {
        weight = Parameter(Init.defaultWeight(weightShape, rng: &rng))
        self.bias = bias ? Parameter(Init.defaultBias(outChannels, fanIn: Init.fans(weightShape).fanIn, rng: &rng)) : nil
        self.convolve = convolve
    }

    /// The forward pass with the layer's own weight.
    public func callAsFunction(_ x: Tensor) -> Tensor { convolve(x, weight.value, bias?.value) }

    /// The forward pass with `w` in place of the weight (the bias stays the layer's).
    public func callAsFunction(_ x: Tensor, weight w: Tensor) -> Tensor { convolve(x, w, bias?.value) }
}

/// PyTorch's `nn.Conv2d` (groups 1): weight [Cout, Cin, kh, kw], bias [Cout]; W, b ~ U(±1/√(Cin·kh·kw)).
/// `x` [N, Cin, H, W] → [N, Cout, oH, oW].
public final class Conv2d: ConvolutionLayer, WeightedLayer {
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
        (self.stride, self.padding, self.dilation) = (stride, padding, dilation)
        super.init(weightShape: [outChannels, inChannels, kernelSize.0, kernelSize.1], outChannels: outChannels,
                   bias: bias, rng: &rng) { x, w, b in
            conv2d(x, w, bias: b, stride: stride, padding: padding, dilation: dilation)
        }
    }
}

/// PyTorch's `nn.ConvTranspose2d` (groups 1): weight [Cin, Cout, kh, kw], bias [Cout]. As PyTorch,
/// fan_in is taken from weight axis 1: W, b ~ U(±1/√(Cout·kh·kw)).
/// `x` [N, Cin, H, W] → [N, Cout, (H−1)·s − 2p + d·(k−1) + outputPadding + 1, …].
public final class ConvTranspose2d: ConvolutionLayer, WeightedLayer {
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
        (self.stride, self.padding, self.outputPadding, self.dilation) = (stride, padding, outputPadding, dilation)
        super.init(weightShape: [inChannels, outChannels, kernelSize.0, kernelSize.1], outChannels: outChannels,
                   bias: bias, rng: &rng) { x, w, b in
            convTranspose2d(x, w, bias: b, stride: stride, padding: padding, outputPadding: outputPadding,
                            dilation: dilation)
        }
    }
}

/// PyTorch's `nn.Conv3d` (groups 1): weight [Cout, Cin, kd, kh, kw]; W, b ~ U(±1/√(Cin·kd·kh·kw)).
/// `x` [N, Cin, D, H, W] → [N, Cout, oD, oH, oW].
public final class Conv3d: ConvolutionLayer, WeightedLayer {
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
        (self.stride, self.padding, self.dilation) = (stride, padding, dilation)
        super.init(weightShape: [outChannels, inChannels, kernelSize.0, kernelSize.1, kernelSize.2],
                   outChannels: outChannels, bias: bias, rng: &rng) { x, w, b in
            conv3d(x, w, bias: b, stride: stride, padding: padding, dilation: dilation)
        }
    }
}

/// PyTorch's `nn.ConvTranspose3d` (groups 1): weight [Cin, Cout, kd, kh, kw]; fan_in from axis 1.
/// `x` [N, Cin, D, H, W] → [N, Cout, oD, oH, oW].
public final class ConvTranspose3d: ConvolutionLayer, WeightedLayer {
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
        (self.stride, self.padding, self.outputPadding, self.dilation) = (stride, padding, outputPadding, dilation)
        super.init(weightShape: [inChannels, outChannels, kernelSize.0, kernelSize.1, kernelSize.2],
                   outChannels: outChannels, bias: bias, rng: &rng) { x, w, b in
            convTranspose3d(x, w, bias: b, stride: stride, padding: padding, outputPadding: outputPadding,
                            dilation: dilation)
        }
    }
}
