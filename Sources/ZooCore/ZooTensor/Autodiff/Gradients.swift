// Reverse-mode differentiation over the tape.

/// Gradients of a scalar `loss` with respect to each of `inputs`.
///
/// Sorts the tape topologically from `loss`, runs each node's backward closure in reverse order and sums
/// the gradients that reach each node. Inputs the loss does not depend on get zeros.
///
/// - Parameters:
///   - loss: a one-element tensor (or any tensor when `seed` is given).
///   - inputs: tensors that require gradients (parameters or inputs marked with `requiringGrad()`).
///   - seed: the gradient of the final objective with respect to `loss`; ones by default.
///   - createGraph: record the backward pass itself, so the returned gradients can be differentiated
///     again (a gradient penalty needs this). Implies `retainGraph`.
///   - retainGraph: keep the tape after the pass, to differentiate the same loss again. By default the
///     tape is freed as it is consumed.
/// - Returns: one gradient per input, each of the input's shape.
public func gradients(of loss: Tensor, wrt inputs: [Tensor], seed: Tensor? = nil,
                      createGraph: Bool = false, retainGraph: Bool = false) -> [Tensor] {
    require(seed != nil || loss.count == 1,
                 "gradients(of:) needs a one-element loss or an explicit seed; loss shape is \(loss.shape)")
    guard let root = loss.node else { return inputs.map { Tensor.zeros($0.shape) } }
    let order = topologicalOrder(from: root)
    let wanted = Set(inputs.compactMap { $0.node.map(ObjectIdentifier.init) })
    var grads: [ObjectIdentifier: Tensor] = [:]
    grads[ObjectIdentifier(root)] = seed ?? Tensor(repeating: 1, shape: loss.shape)
    let keep = createGraph || retainGraph
    withGradRecording(createGraph) {
        for node in order.reversed() {
            let key = ObjectIdentifier(node)
            guard let g = grads[key] else { continue }
            if !wanted.contains(key) { grads[key] = nil }
            guard let backward = node.backward else { continue }
            let inputGrads = backward(g)
            for (parent, grad) in zip(node.inputs, inputGrads) {
                guard let parent, let grad else { continue }
                let pkey = ObjectIdentifier(parent)
                if let existing = grads[pkey] { grads[pkey] = existing + grad } else { grads[pkey] = grad }
            }
            if !keep {
                node.backward = nil
                node.inputs = []
            }
        }
    }
    return inputs.map { input in
        guard let node = input.node, let g = grads[ObjectIdentifier(node)] else {
            return Tensor.zeros(input.shape)
        }
        require(g.shape == input.shape, "gradient shape \(g.shape) != input shape \(input.shape)")
        return g
    }
}

/// The loss's value and its gradients with respect to `inputs` (see `gradients(of:wrt:)`).
public func valueWithGradients(at inputs: [Tensor], _ f: ([Tensor]) -> Tensor) -> (value: Tensor, gradients: [Tensor]) {
    let tracked = inputs.map { $0.requiringGrad() }
    let value = f(tracked)
    return (value.detached(), gradients(of: value, wrt: tracked))
}

/// Nodes reachable from `root`, each after all of its inputs (iterative depth-first search).
func topologicalOrder(from root: Node) -> [Node] {
    var order: [Node] = []
    var visited = Set<ObjectIdentifier>()
    var stack: [(Node, Int)] = [(root, 0)]
    visited.insert(ObjectIdentifier(root))
    while let (node, next) = stack.popLast() {
        if next < node.inputs.count {
            stack.append((node, next + 1))
            if let child = node.inputs[next], visited.insert(ObjectIdentifier(child)).inserted {
                stack.append((child, 0))
            }
        } else {
            order.append(node)
        }
    }
    return order
}
