// The Module protocol: names found by Mirror, renamed keys, buffers, counts and state dictionaries.

import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

/// A leaf module with a renamed property and a buffer.
private final class Leaf: Module {
    let weight: Parameter
    let runningMean: Buffer
    let _hidden: Parameter
    let size: Int

    init(_ n: Int) {
        weight = Parameter(Tensor.ones([n]))
        runningMean = Buffer(Tensor.zeros([n]))
        _hidden = Parameter(Tensor.zeros([2]))
        size = n
    }

    func key(forProperty name: String) -> String? {
        switch name {
        case "runningMean": return "running_mean"
        case "_hidden": return "bias"
        default: return name
        }
    }
}

/// A composite covering nested modules, arrays, nested arrays, optionals, dictionaries, a shared
/// parameter and properties that hold nothing.
private final class Composite: Module {
    let embed: Leaf
    let down: [Leaf]
    let grid: [[Leaf]]
    let head: Leaf?
    let absent: Leaf? = nil
    let table: [String: Leaf]
    let shared: Parameter
    let alias: Parameter
    let constant = Tensor.ones([3])
    let widths = [1, 2, 3]
    let skipped: Leaf

    init() {
        embed = Leaf(1)
        down = [Leaf(2), Leaf(3)]
        grid = [[Leaf(1)], [Leaf(1), Leaf(1)]]
        head = Leaf(4)
        table = ["zeta": Leaf(1), "alpha": Leaf(1)]
        shared = Parameter(Tensor.zeros([5]))
        alias = shared
        skipped = Leaf(7)
    }

    func key(forProperty name: String) -> String? { name == "skipped" ? nil : name }
}

@Suite struct ModuleNaming {
    @Test func mirrorFindsNestedNamesInDeclarationOrder() {
        let names = Composite().namedParameters().map(\.0)
        let leaf = { (p: String) in ["\(p).weight", "\(p).bias"] }
        let expected = leaf("embed") + leaf("down.0") + leaf("down.1") + leaf("grid.0.0") + leaf("grid.1.0")
            + leaf("grid.1.1") + leaf("head") + leaf("table.alpha") + leaf("table.zeta") + ["shared"]
        #expect(names == expected)
    }

    @Test func buffersAreNamedAndNotParameters() {
        let m = Composite()
        let buffers = m.namedBuffers().map(\.0)
        #expect(buffers.first == "embed.running_mean")
        #expect(buffers.count == 9)
        #expect(!m.namedParameters().map(\.0).contains { $0.hasSuffix("running_mean") })
    }

    @Test func countsAndSharedParametersOnce() {
        let m = Composite()
        // Leaves contribute n + 2 each: 1,2,3,1,1,1,4,1,1 → 15 + 9·2 = 33; shared 5 once.
        #expect(m.parameterCount == 38)
        #expect(m.namedParameters().filter { $0.1 === m.shared }.count == 1)
        #expect(m.namedModules().map(\.0).prefix(4) == ["", "embed", "down.0", "down.1"])
    }

    @Test func stateDictRoundTrip() throws {
        let a = Composite(), b = Composite()
        a.down[1].weight.value = Tensor([7, 8, 9])
        a.head!.runningMean.value = Tensor([1, 2, 3, 4])
        try b.loadStateDict(a.stateDict())
        #expect(b.down[1].weight.value.scalars == [7, 8, 9])
        #expect(b.head!.runningMean.value.scalars == [1, 2, 3, 4])
        #expect(b.down[1].weight.value.node?.op == .leaf)

        var broken = a.stateDict()
        broken["embed.weight"] = nil
        broken["extra"] = Tensor(1)
        #expect(throws: ModuleError.keysDiffer(missing: ["embed.weight"], unexpected: ["extra"])) {
            try b.loadStateDict(broken)
        }
        try b.loadStateDict(broken, strict: false)
        broken["head.weight"] = Tensor([1])
        #expect(throws: ModuleError.shapeMismatch(key: "head.weight", expected: [4], got: [1])) {
            try b.loadStateDict(broken, strict: false)
        }
    }

    @Test func parameterAssignmentMakesAFreshLeaf() {
        let x = Tensor([1, 2]).requiringGrad()
        let p = Parameter(x * 2)
        #expect(p.value.node?.op == .leaf)
        #expect(p.value.scalars == [2, 4])
        let before = p.value.node
        p.value = p.value + 1
        #expect(p.value.node?.op == .leaf)
        #expect(p.value.node !== before)
        let b = Buffer(x)
        #expect(b.value.node == nil)
    }

    @Test func layerNamesMatchPyTorch() {
        var rng = RandomGenerator(seed: 1)
        #expect(Linear(3, 4, rng: &rng).namedParameters().map(\.0) == ["weight", "bias"])
        #expect(Linear(3, 4, bias: false, rng: &rng).namedParameters().map(\.0) == ["weight"])
        #expect(LSTMCell(inputSize: 3, hiddenSize: 4, rng: &rng).namedParameters().map(\.0)
                == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"])
        #expect(GRUCell(inputSize: 3, hiddenSize: 4, rng: &rng).namedParameters().map(\.0)
                == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"])
        #expect(SinusoidalEmbedding(dimension: 8).namedParameters().isEmpty)
    }
}
