// Resizing primitives on [N, C, H, W] (nearest also on [N, C, D, H, W]).
//   Nearest resizing is a gather through a fixed index map; its gradient is the recorded scatter.
//   Bilinear resizing is linear; its gradient is its adjoint, recorded as .resizeBilinearBackward, whose
//   gradient is bilinear resizing again.

// MARK: - resizeNearest
// y[o] = x[src(o)], src = min(⌊o·in/out⌋, in − 1) per axis    ∂x = scatter of g to src
/// Nearest-neighbour resize of the spatial axes of x [N, C, spatial...] to `size`.
func resizeNearest(_ x: Tensor, size: [Int]) -> Tensor {
    require(x.rank == size.count + 2, "resizeNearest: input \(x.shape) needs \(x.rank - 2) sizes, got \(size)")
    require(size.allSatisfy { $0 > 0 }, "resizeNearest: sizes must be positive, got \(size)")
    let input = Array(x.shape[2...])
    if input == size { return x }
    let map = Kernels.nearestMap(planes: x.shape[0] * x.shape[1], input: input, output: size)
    return kernelOp(x, .resizeNearest, shape: Array(x.shape.prefix(2)) + size,
                    kernel: { Kernels.gatherPlanes($0, map, into: $1) }) { dy, inShape in
        scatterIndices(dy, map, shape: inShape)
    }
}

/// Nearest-neighbour resize of x [N, C, H, W] to `size` (as PyTorch's `F.interpolate(mode='nearest')`).
public func resizeNearest(_ x: Tensor, size: (Int, Int)) -> Tensor {
    require(x.rank == 4, "resizeNearest: input must be [N, C, H, W], got \(x.shape)")
    return resizeNearest(x, size: [size.0, size.1])
}

/// Each pixel repeated `scale` times along every spatial axis of x [N, C, H, W] or [N, C, D, H, W]
/// (as PyTorch's `nn.Upsample(scale_factor: scale, mode='nearest')`).
public func upsampleNearest(_ x: Tensor, scale: Int) -> Tensor {
    require(x.rank == 4 || x.rank == 5, "upsampleNearest: input must be [N, C, H, W] or [N, C, D, H, W], got \(x.shape)")
    require(scale > 0, "upsampleNearest: scale must be positive")
    return resizeNearest(x, size: x.shape[2...].map { $0 * scale })
}

// MARK: - resizeBilinear
// y[oh, ow] = Σ_{a,b ∈ {0,1}} ρ_a(oh) κ_b(ow) x[h_a(oh), w_b(ow)]    ∂x = resizeBilinearAdjoint(g)
/// Bilinear resize with precomputed axis tables.
func resizeBilinear(_ x: Tensor, rows: LinearAxisTable, columns: LinearAxisTable) -> Tensor {
    require(x.rank == 4 && x.shape[2] == rows.inputSize && x.shape[3] == columns.inputSize,
                 "resizeBilinear: input \(x.shape) does not match the tables")
    let planes = x.shape[0] * x.shape[1]
    return kernelOp(x, .resizeBilinear, shape: [x.shape[0], x.shape[1], rows.outputSize, columns.outputSize],
                    kernel: { Kernels.resizeBilinear($0, planes: planes, rows: rows, columns: columns, into: $1) }) { dy, _ in
        resizeBilinearAdjoint(dy, rows: rows, columns: columns)
    }
}

// MARK: - resizeBilinearBackward
// x[h, w] = Σ_{o: h_a(oh) = h, w_b(ow) = w} ρ_a(oh) κ_b(ow) y[oh, ow]    ∂y = resizeBilinear(g)
/// The adjoint of bilinear resizing (its gradient), from the output size back to the input size.
func resizeBilinearAdjoint(_ dy: Tensor, rows: LinearAxisTable, columns: LinearAxisTable) -> Tensor {
    require(dy.rank == 4 && dy.shape[2] == rows.outputSize && dy.shape[3] == columns.outputSize,
                 "resizeBilinearAdjoint: gradient \(dy.shape) does not match the tables")
    let planes = dy.shape[0] * dy.shape[1]
    return kernelOp(dy, .resizeBilinearBackward, shape: [dy.shape[0], dy.shape[1], rows.inputSize, columns.inputSize],
                    kernel: { Kernels.resizeBilinearAdjoint($0, planes: planes, rows: rows, columns: columns, into: $1) }) { gx, _ in
        resizeBilinear(gx, rows: rows, columns: columns)
    }
}

/// Bilinear resize of x [N, C, H, W] to `size`, as PyTorch's
/// `F.interpolate(mode='bilinear', align_corners=alignCorners, antialias=False)` with an explicit size:
/// half-pixel centres when `alignCorners` is false (no antialiasing when shrinking), corner pixels
/// aligned when true.
public func resizeBilinear(_ x: Tensor, size: (Int, Int), alignCorners: Bool = false) -> Tensor {
    require(x.rank == 4, "resizeBilinear: input must be [N, C, H, W], got \(x.shape)")
    let rows = LinearAxisTable(inputSize: x.shape[2], outputSize: size.0, alignCorners: alignCorners)
    let columns = LinearAxisTable(inputSize: x.shape[3], outputSize: size.1, alignCorners: alignCorners)
    return resizeBilinear(x, rows: rows, columns: columns)
}
