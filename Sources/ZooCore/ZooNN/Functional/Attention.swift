// Linear attention as in RVD's U-Net (lucidrains' LinearAttention of that version), composed from
// primitives. The 1x1 convolutions around it belong to the layer that uses it.

/// The attention core of RVD's `LinearAttention`, between its two 1x1 convolutions.
///
/// `qkv` is the output of the bias-free 1x1 conv `dim → 3·heads·dimHead`: channels are q, k, v in that
/// order, each `heads` blocks of `dimHead` channels over the N = H·W positions. Then
/// q ← q·dimHead^−½ (no softmax on q), k ← softmax of k over the N positions,
/// context[h] = k[h]·v[h]ᵀ (`[dimHead, dimHead]`, summed over positions), out[h] = context[h]ᵀ·q[h]
/// (out_{e,n} = Σ_d context_{d,e} q_{d,n}), and the heads are stacked back into channels.
///
/// - Parameters:
///   - qkv: `[B, 3·heads·dimHead, H, W]`.
/// - Returns: `[B, heads·dimHead, H, W]` (the input of the output 1x1 conv).
import ZooTensor

public func linearAttention(_ qkv: Tensor, heads: Int, dimHead: Int) -> Tensor {
    require(qkv.rank == 4 && qkv.shape[1] == 3 * heads * dimHead,
                 "linearAttention needs qkv [B, 3·\(heads)·\(dimHead), H, W], got \(qkv.shape)")
    let b = qkv.shape[0], h = qkv.shape[2], w = qkv.shape[3]
    let parts = qkv.reshaped([b, 3, heads, dimHead, h * w])
    let q = parts.selecting(axis: 1, 0) * (1 / Float(dimHead).squareRoot())
    let k = softmax(parts.selecting(axis: 1, 1), axis: -1)
    let v = parts.selecting(axis: 1, 2)
    let context = matmul(k, v, transposeB: true)             // [B, heads, d, e]
    let out = matmul(context, q, transposeA: true)           // [B, heads, e, N]
    return out.reshaped([b, heads * dimHead, h, w])
}
