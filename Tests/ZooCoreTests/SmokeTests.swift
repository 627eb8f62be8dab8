import Testing
@testable import ZooCore

@Test func matmulAndGradient() {
    let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]).requiringGrad()
    let b = Tensor(shape: [3, 2], scalars: [1, 0, 0, 1, 1, 1]).requiringGrad()
    let y = matmul(a, b)
    #expect(y.scalars == [4, 5, 10, 11])
    let g = gradients(of: y.sum(), wrt: [a, b])
    #expect(g[0].scalars == [1, 1, 2, 1, 1, 2])
    #expect(g[1].scalars == [5, 5, 7, 7, 9, 9])
}
