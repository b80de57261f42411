import Kernels

/// The batch-invariant forward kernel against OpenBLAS sgemm on the same product y = x · Wᵀ.
public enum KernelBenchmark {
    public struct Row {
        public var rows: Int, outFeatures: Int, inFeatures: Int
        public var kernelGFLOPs: Double, sgemmGFLOPs: Double
    }

    public static func linearForward(shapes: [(rows: Int, outFeatures: Int, inFeatures: Int)], seconds: Double = 0.3) -> [Row] {
        // The first products of a process pay for thread start-up and clock ramp-up: run one unmeasured pass.
        _ = measure(shapes, seconds: seconds / 3)
        return measure(shapes, seconds: seconds)
    }

    private static func measure(_ shapes: [(rows: Int, outFeatures: Int, inFeatures: Int)], seconds: Double) -> [Row] {
        shapes.map { shape in
            let x = FloatBuffer(count: shape.rows * shape.inFeatures), w = FloatBuffer(count: shape.outFeatures * shape.inFeatures)
            let y = FloatBuffer(count: shape.rows * shape.outFeatures)
            for i in 0..<x.count { x[i] = Float(i % 13) * 0.01 }
            for i in 0..<w.count { w[i] = Float(i % 11) * 0.01 }
            let flops = Gemm.flops(m: shape.rows, n: shape.outFeatures, k: shape.inFeatures)
            func rate(_ body: () -> Void) -> Double {
                body()
                var repeats = 0
                let start = Profiler.now()
                while repeats < 3 || Profiler.now() - start < seconds {
                    body()
                    repeats += 1
                }
                return flops * Double(repeats) / (Profiler.now() - start) / 1e9
            }
            let kernel = rate { Linear.forward(y.pointer, x.pointer, w.pointer, rows: shape.rows, inFeatures: shape.inFeatures, outFeatures: shape.outFeatures) }
            let sgemm = rate {
                Gemm.multiply(x.pointer, .none, w.pointer, .transposed, into: y.pointer, m: shape.rows, n: shape.outFeatures, k: shape.inFeatures)
            }
            return Row(rows: shape.rows, outFeatures: shape.outFeatures, inFeatures: shape.inFeatures, kernelGFLOPs: kernel, sgemmGFLOPs: sgemm)
        }
    }
}
