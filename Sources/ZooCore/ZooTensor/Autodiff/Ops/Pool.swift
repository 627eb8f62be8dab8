// Pooling primitives on [N, C, H, W] / [N, C, D, H, W].
//   Max pooling records the index of each window's winner; its gradient is a recorded scatter to those
//   indices, whose gradient is the matching gather (and the gather's is the scatter again).
//   Average pooling is linear; its gradient is its adjoint (spread evenly over each window), recorded as
//   .avgPoolBackward, whose gradient is average pooling again.
// 2-D pools are 3-D pools with depth 1.

/// Window geometry of a pool on x [N, C, spatial...].
func poolGeometry(_ x: Tensor, kernel: [Int], stride: [Int]?, padding: SpatialPadding, rank: Int,
                          name: String) -> PoolGeometry {
    require(x.rank == rank + 2, "\(name): input must be [N, C, \(rank == 2 ? "H, W" : "D, H, W")], got \(x.shape)")
    let stride = stride ?? kernel
    require(kernel.allSatisfy { $0 > 0 } && stride.allSatisfy { $0 > 0 }, "\(name): kernel and stride must be positive")
    let input = Array(x.shape[2...])
    let pads = padding.widths(input: input, kernel: kernel, stride: stride, dilation: kernel.map { _ in 1 })
    require(pads.indices.allSatisfy { pads[$0].0 < kernel[$0] && pads[$0].1 < kernel[$0] },
                 "\(name): padding \(pads) must be smaller than the kernel \(kernel)")
    let output = ConvGeometry.outputSize(input: input, kernel: kernel, stride: stride, dilation: kernel.map { _ in 1 },
                                         padBefore: pads.map(\.0), padAfter: pads.map(\.1))
    require(output.allSatisfy { $0 > 0 }, "\(name): input \(x.shape) is smaller than the window \(kernel)")
    return PoolGeometry(planes: x.shape[0] * x.shape[1], input: asVolume(input), output: asVolume(output),
                        kernel: asVolume(kernel), stride: asVolume(stride), padBefore: asVolume(pads.map(\.0), fill: 0),
                        padAfter: asVolume(pads.map(\.1), fill: 0))
}

/// A one-input primitive: a tensor of `shape` that `kernel(x's values, its values)` fills, recorded as `op`
/// with x's gradient `gradient(dy, x's shape)` (built from recorded ops, so second-order gradients work).
func kernelOp(_ x: Tensor, _ op: Op, shape: [Int], kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void,
              gradient: @escaping (_ dy: Tensor, _ inputShape: [Int]) -> Tensor) -> Tensor {
    let y = Tensor.uninitialized(shape)
    kernel(x.storage.pointer, y.storage.pointer)
    let inShape = x.shape
    return y.recorded(op, [x]) { dy in [gradient(dy, inShape)] }
}

// MARK: - maxPool2d / maxPool3d
// y[o] = max over the window of x    ∂x = scatter of g to the argmax indices
/// Max pooling with the winners' indices recorded.
func maxPool(_ x: Tensor, _ g: PoolGeometry, rank: Int) -> Tensor {
    let map = PlaneIndexMap(planes: g.planes, inputPlane: g.inputVolume, outputPlane: g.outputVolume, shared: false)
    let shape = Array(x.shape.prefix(2)) + spatialShape(g.output, rank: rank)
    return kernelOp(x, rank == 2 ? .maxPool2d : .maxPool3d, shape: shape,
                    kernel: { Kernels.maxPool($0, g, into: $1, indices: map) }) { dy, inShape in
        scatterIndices(dy, map, shape: inShape)
    }
}

// MARK: - gatherIndices
// y[p, j] = x[p, map[p, j]]    ∂x = scatter of g
/// Per-plane gather through `map`; the result has `outputShape` (planes leading, then the output plane).
func gatherIndices(_ x: Tensor, _ map: PlaneIndexMap, outputShape: [Int]) -> Tensor {
    transferIndices(x, map, scatter: false, shape: outputShape)
}

// MARK: - scatterIndices
// x[p, map[p, j]] += y[p, j]    ∂y = gather of g
/// Per-plane scatter-add through `map` into zeros of `shape`.
func scatterIndices(_ y: Tensor, _ map: PlaneIndexMap, shape: [Int]) -> Tensor {
    transferIndices(y, map, scatter: true, shape: shape)
}

/// The gather through `map` into `shape`, or (`scatter`) its adjoint, the scatter-add; each is the other's
/// gradient.
private func transferIndices(_ x: Tensor, _ map: PlaneIndexMap, scatter: Bool, shape: [Int]) -> Tensor {
    let (from, to) = scatter ? (map.outputPlane, map.inputPlane) : (map.inputPlane, map.outputPlane)
    require(x.count == map.planes * from && shape.reduce(1, *) == map.planes * to,
                 "\(scatter ? "scatterIndices" : "gatherIndices"): shapes \(x.shape) → \(shape) do not match the index map")
    return kernelOp(x, scatter ? .scatterIndices : .gatherIndices, shape: shape, kernel: {
        scatter ? Kernels.scatterPlanes($0, map, into: $1) : Kernels.gatherPlanes($0, map, into: $1)
    }) { dy, inShape in transferIndices(dy, map, scatter: !scatter, shape: inShape) }
}

// MARK: - avgPool2d / avgPool3d
// y[o] = Σ_window x / divisor(o)    ∂x = avgPoolAdjoint(g)
/// Average pooling (divisor counts padding when `includePad`).
func avgPool(_ x: Tensor, _ g: PoolGeometry, includePad: Bool, rank: Int) -> Tensor {
    kernelOp(x, rank == 2 ? .avgPool2d : .avgPool3d, shape: Array(x.shape.prefix(2)) + spatialShape(g.output, rank: rank),
             kernel: { Kernels.avgPool($0, g, includePad: includePad, into: $1) }) {
        avgPoolAdjoint($0, g, includePad: includePad, shape: $1, rank: rank)
    }
}

// MARK: - avgPoolBackward
// x[i] = Σ_{o: i ∈ window(o)} y[o] / divisor(o)    ∂y = avgPool(g)
/// The adjoint of average pooling, into a tensor of `shape`.
func avgPoolAdjoint(_ dy: Tensor, _ g: PoolGeometry, includePad: Bool, shape: [Int], rank: Int) -> Tensor {
    kernelOp(dy, .avgPoolBackward, shape: shape,
             kernel: { Kernels.avgPoolAdjoint($0, g, includePad: includePad, into: $1) }) { gx, _ in
        avgPool(gx, g, includePad: includePad, rank: rank)
    }
}

/// 2-D max pooling (as PyTorch's `F.max_pool2d`; padding counts as −∞).
///
/// - Parameters:
///   - x: `[N, C, H, W]`.
///   - stride: defaults to the kernel.
///   - padding: on both sides, each smaller than the kernel.
public func maxPool2d(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
    maxPool2d(x, kernel: kernel, stride: stride, padding: .explicit([(padding.0, padding.0), (padding.1, padding.1)]))
}

/// 2-D max pooling with `.same` (TensorFlow), `.valid` or asymmetric padding (padding counts as −∞).
public func maxPool2d(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: SpatialPadding) -> Tensor {
    let g = poolGeometry(x, kernel: [kernel.0, kernel.1], stride: stride.map { [$0.0, $0.1] }, padding: padding,
                         rank: 2, name: "maxPool2d")
    return maxPool(x, g, rank: 2)
}

/// 3-D max pooling (as PyTorch's `F.max_pool3d`; padding counts as −∞) on `[N, C, D, H, W]`.
public func maxPool3d(_ x: Tensor, kernel: (Int, Int, Int), stride: (Int, Int, Int)? = nil,
                      padding: (Int, Int, Int) = (0, 0, 0)) -> Tensor {
    maxPool3d(x, kernel: kernel, stride: stride,
              padding: .explicit([(padding.0, padding.0), (padding.1, padding.1), (padding.2, padding.2)]))
}

/// 3-D max pooling with `.same` (TensorFlow's `max_pool3d(padding='SAME')`, as I3D uses), `.valid` or
/// asymmetric padding.
public func maxPool3d(_ x: Tensor, kernel: (Int, Int, Int), stride: (Int, Int, Int)? = nil, padding: SpatialPadding) -> Tensor {
    let g = poolGeometry(x, kernel: [kernel.0, kernel.1, kernel.2], stride: stride.map { [$0.0, $0.1, $0.2] },
                         padding: padding, rank: 3, name: "maxPool3d")
    return maxPool(x, g, rank: 3)
}

/// 2-D average pooling (as PyTorch's `F.avg_pool2d`).
///
/// - Parameters:
///   - x: `[N, C, H, W]`.
///   - stride: defaults to the kernel.
///   - countIncludePad: divide by the window size including padding (PyTorch's default) rather than by
///     the number of input positions in the window.
public func avgPool2d(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                      countIncludePad: Bool = true) -> Tensor {
    avgPool2d(x, kernel: kernel, stride: stride, padding: .explicit([(padding.0, padding.0), (padding.1, padding.1)]),
              countIncludePad: countIncludePad)
}

/// 2-D average pooling with `.same`, `.valid` or asymmetric padding. The default divisor counts only input
/// positions, as TensorFlow's SAME average pooling.
public func avgPool2d(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: SpatialPadding,
                      countIncludePad: Bool = false) -> Tensor {
    let g = poolGeometry(x, kernel: [kernel.0, kernel.1], stride: stride.map { [$0.0, $0.1] }, padding: padding,
                         rank: 2, name: "avgPool2d")
    return avgPool(x, g, includePad: countIncludePad, rank: 2)
}

/// 3-D average pooling (as PyTorch's `F.avg_pool3d`) on `[N, C, D, H, W]`.
public func avgPool3d(_ x: Tensor, kernel: (Int, Int, Int), stride: (Int, Int, Int)? = nil,
                      padding: (Int, Int, Int) = (0, 0, 0), countIncludePad: Bool = true) -> Tensor {
    avgPool3d(x, kernel: kernel, stride: stride,
              padding: .explicit([(padding.0, padding.0), (padding.1, padding.1), (padding.2, padding.2)]),
              countIncludePad: countIncludePad)
}

/// 3-D average pooling with `.same`, `.valid` or asymmetric padding (divisor: input positions only, unless
/// `countIncludePad`).
public func avgPool3d(_ x: Tensor, kernel: (Int, Int, Int), stride: (Int, Int, Int)? = nil, padding: SpatialPadding,
                      countIncludePad: Bool = false) -> Tensor {
    let g = poolGeometry(x, kernel: [kernel.0, kernel.1, kernel.2], stride: stride.map { [$0.0, $0.1, $0.2] },
                         padding: padding, rank: 3, name: "avgPool3d")
    return avgPool(x, g, includePad: countIncludePad, rank: 3)
}
