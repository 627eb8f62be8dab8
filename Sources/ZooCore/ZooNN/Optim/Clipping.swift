// Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_.

/// Scales `gradients` so that their total L2 norm is at most `maxNorm`, and returns the total norm before
/// clipping. As PyTorch: coefficient = maxNorm/(norm + 1e-6), applied only when it is below 1.
///
/// The scaled gradients are new constant tensors (computed without the tape).
import ZooTensor

@discardableResult
public func clipGradientNorm(_ gradients: inout [Tensor], maxNorm: Float) -> Float {
    var total = 0.0
    for g in gradients {
        let p = g.storage.pointer
        var s = 0.0
        for i in 0..<g.count { s += Double(p[i]) * Double(p[i]) }
        total += s
    }
    let norm = Float(total.squareRoot())
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 {
        gradients = gradients.map { g in Kernels.map(g) { $0 * coefficient } }
    }
    return norm
}

/// Clamps every gradient element to [−clipValue, clipValue] (torch.nn.utils.clip_grad_value_).
public func clipGradientValue(_ gradients: inout [Tensor], clipValue: Float) {
    gradients = gradients.map { g in Kernels.map(g) { Swift.min(Swift.max($0, -clipValue), clipValue) } }
}
