// Equalised learning rate (Karras et al., "Progressive Growing of GANs", ICLR 2018, section 4.1), as
// FutureGAN and ProGAN use it: the stored weight is drawn from N(0, 1) and the layer multiplies it by the
// He constant 1/√fan_in at every forward pass, so Adam's step moves every layer's effective weights at
// the same relative speed. Biases start at zero and are not scaled.
//
// fan_in follows PyTorch's rule for the stored weight layout (`Init.fans`): Cin·∏k for a convolution and a
// linear layer, Cout·∏k for a transposed convolution (whose weight is [Cin, Cout, k...]), which is what the
// FutureGAN reference's `kaiming_normal` then divides out.

import ZooCore

/// A 3-D convolution with equalised learning rate: y = conv3d(x, c·W) + b, c = 1/√(Cin·kd·kh·kw).
/// Weight [Cout, Cin, kd, kh, kw] ~ N(0, 1), bias [Cout] = 0.
public final class EqualizedConv3d: Module {
    public let weight: Parameter
    public let bias: Parameter
    /// The runtime weight scale 1/√fan_in.
    public let scale: Float
    public let stride: (Int, Int, Int)
    public let padding: (Int, Int, Int)

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int, Int), stride: (Int, Int, Int) = (1, 1, 1),
                padding: (Int, Int, Int) = (0, 0, 0), rng: inout RandomGenerator) {
        let shape = [outChannels, inChannels, kernelSize.0, kernelSize.1, kernelSize.2]
        weight = Parameter(Init.normal(shape, rng: &rng))
        bias = Parameter(Tensor.zeros([outChannels]))
        scale = 1 / Float(Init.fans(shape).fanIn).squareRoot()
        self.stride = stride
        self.padding = padding
    }

    /// A cubic kernel with the same stride and padding on every axis.
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, padding: Int = 0,
                            rng: inout RandomGenerator) {
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize, kernelSize),
                  padding: (padding, padding, padding), rng: &rng)
    }

    public var inChannels: Int { weight.shape[1] }
    public var outChannels: Int { weight.shape[0] }

    /// `x` [N, Cin, D, H, W] → [N, Cout, D', H', W'].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        conv3d(x, weight.value * scale, bias: bias.value, stride: stride, padding: padding)
    }
}

/// A transposed 3-D convolution with equalised learning rate: y = convTranspose3d(x, c·W) + b,
/// c = 1/√(Cout·kd·kh·kw) (PyTorch's fan_in of the [Cin, Cout, k...] weight). Weight ~ N(0, 1), bias = 0.
public final class EqualizedConvTranspose3d: Module {
    public let weight: Parameter
    public let bias: Parameter
    public let scale: Float
    public let stride: (Int, Int, Int)

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int, Int), stride: (Int, Int, Int) = (1, 1, 1),
                rng: inout RandomGenerator) {
        let shape = [inChannels, outChannels, kernelSize.0, kernelSize.1, kernelSize.2]
        weight = Parameter(Init.normal(shape, rng: &rng))
        bias = Parameter(Tensor.zeros([outChannels]))
        scale = 1 / Float(Init.fans(shape).fanIn).squareRoot()
        self.stride = stride
    }

    public var inChannels: Int { weight.shape[0] }
    public var outChannels: Int { weight.shape[1] }

    /// `x` [N, Cin, D, H, W] → [N, Cout, (D−1)·s + kd, …] (no padding).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        convTranspose3d(x, weight.value * scale, bias: bias.value, stride: stride)
    }
}

/// A linear layer with equalised learning rate: y = x·(c·W)ᵀ + b, c = 1/√in. Weight [out, in] ~ N(0, 1),
/// bias [out] = 0.
public final class EqualizedLinear: Module {
    public let weight: Parameter
    public let bias: Parameter
    public let scale: Float

    public init(_ inFeatures: Int, _ outFeatures: Int, rng: inout RandomGenerator) {
        weight = Parameter(Init.normal([outFeatures, inFeatures], rng: &rng))
        bias = Parameter(Tensor.zeros([outFeatures]))
        scale = 1 / Float(inFeatures).squareRoot()
    }

    /// `x` [N, in] → [N, out].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        matmul(x, weight.value * scale, transposeB: true) + bias.value
    }
}
