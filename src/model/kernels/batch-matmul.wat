;; Batched matrix product for tfjs's wasm backend (src/model/kernels/batch-matmul.ts): tfjs-wasm runs a
;; product with a batch axis in a scalar loop (about 2 GFLOP/s here); this one uses 128-bit SIMD.
;; `npm run kernels` compiles it into batch-matmul-wasm.ts, once with an unshared and once with a
;; shared memory import (the threaded tfjs build's memory is shared).
(module
  (import "env" "memory" (memory 1))
  ;; C[i] = A[i] @ B[i] for i < batch: A [M, K], B [K, N], C [M, N], row-major float32 at byte
  ;; offsets. Each row of C is made 16, then 4, then 1 column(s) at a time, its accumulators kept in
  ;; registers over the whole of K; every column sums over k in order.
  (func (export "bmm")
    (param $a i32) (param $b i32) (param $c i32)
    (param $batch i32) (param $M i32) (param $K i32) (param $N i32)
    (local $i i32) (local $m i32) (local $n i32) (local $k i32)
    (local $ap i32) (local $bp i32) (local $cp i32) (local $arow i32)
    (local $rowN i32) (local $rowK i32)
    (local $s v128) (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $sum f32)
    (local.set $rowN (i32.shl (local.get $N) (i32.const 2)))
    (local.set $rowK (i32.shl (local.get $K) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $batches_done
      (loop $batches
        (br_if $batches_done (i32.ge_u (local.get $i) (local.get $batch)))
        (local.set $m (i32.const 0))
        (block $rows_done
          (loop $rows
            (br_if $rows_done (i32.ge_u (local.get $m) (local.get $M)))
            (local.set $arow (i32.add (local.get $a) (i32.mul (local.get $m) (local.get $rowK))))
            (local.set $cp (i32.add (local.get $c) (i32.mul (local.get $m) (local.get $rowN))))
            (local.set $n (i32.const 0))
            ;; 16 columns at a time
            (block $n16_done
              (loop $n16
                (br_if $n16_done (i32.gt_u (i32.add (local.get $n) (i32.const 16)) (local.get $N)))
                (local.set $acc0 (v128.const i32x4 0 0 0 0))
                (local.set $acc1 (v128.const i32x4 0 0 0 0))
                (local.set $acc2 (v128.const i32x4 0 0 0 0))
                (local.set $acc3 (v128.const i32x4 0 0 0 0))
                (local.set $ap (local.get $arow))
                (local.set $bp (i32.add (local.get $b) (i32.shl (local.get $n) (i32.const 2))))
                (local.set $k (local.get $K))
                (block $k_done
                  (loop $ks
                    (br_if $k_done (i32.eqz (local.get $k)))
                    (local.set $s (f32x4.splat (f32.load (local.get $ap))))
                    (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $s) (v128.load offset=0 align=4 (local.get $bp)))))
                    (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $s) (v128.load offset=16 align=4 (local.get $bp)))))
                    (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (local.get $s) (v128.load offset=32 align=4 (local.get $bp)))))
                    (local.set $acc3 (f32x4.add (local.get $acc3) (f32x4.mul (local.get $s) (v128.load offset=48 align=4 (local.get $bp)))))
                    (local.set $ap (i32.add (local.get $ap) (i32.const 4)))
                    (local.set $bp (i32.add (local.get $bp) (local.get $rowN)))
                    (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                    (br $ks)))
                (v128.store offset=0 align=4 (i32.add (local.get $cp) (i32.shl (local.get $n) (i32.const 2))) (local.get $acc0))
                (v128.store offset=16 align=4 (i32.add (local.get $cp) (i32.shl (local.get $n) (i32.const 2))) (local.get $acc1))
                (v128.store offset=32 align=4 (i32.add (local.get $cp) (i32.shl (local.get $n) (i32.const 2))) (local.get $acc2))
                (v128.store offset=48 align=4 (i32.add (local.get $cp) (i32.shl (local.get $n) (i32.const 2))) (local.get $acc3))
                (local.set $n (i32.add (local.get $n) (i32.const 16)))
                (br $n16)))
            ;; 4 columns at a time
            (block $n4_done
              (loop $n4
                (br_if $n4_done (i32.gt_u (i32.add (local.get $n) (i32.const 4)) (local.get $N)))
                (local.set $acc0 (v128.const i32x4 0 0 0 0))
                (local.set $ap (local.get $arow))
                (local.set $bp (i32.add (local.get $b) (i32.shl (local.get $n) (i32.const 2))))
                (local.set $k (local.get $K))
                (block $k4_done
                  (loop $k4
                    (br_if $k4_done (i32.eqz (local.get $k)))
                    (local.set $acc0 (f32x4.add (local.get $acc0)
                      (f32x4.mul (f32x4.splat (f32.load (local.get $ap))) (v128.load align=4 (local.get $bp)))))
                    (local.set $ap (i32.add (local.get $ap) (i32.const 4)))
                    (local.set $bp (i32.add (local.get $bp) (local.get $rowN)))
                    (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                    (br $k4)))
                (v128.store align=4 (i32.add (local.get $cp) (i32.shl (local.get $n) (i32.const 2))) (local.get $acc0))
                (local.set $n (i32.add (local.get $n) (i32.const 4)))
                (br $n4)))
            ;; the last columns one at a time
            (block $n1_done
              (loop $n1
                (br_if $n1_done (i32.ge_u (local.get $n) (local.get $N)))
                (local.set $sum (f32.const 0))
                (local.set $ap (local.get $arow))
                (local.set $bp (i32.add (local.get $b) (i32.shl (local.get $n) (i32.const 2))))
                (local.set $k (local.get $K))
                (block $k1_done
                  (loop $k1
                    (br_if $k1_done (i32.eqz (local.get $k)))
                    (local.set $sum (f32.add (local.get $sum) (f32.mul (f32.load (local.get $ap)) (f32.load (local.get $bp)))))
                    (local.set $ap (i32.add (local.get $ap) (i32.const 4)))
                    (local.set $bp (i32.add (local.get $bp) (local.get $rowN)))
                    (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                    (br $k1)))
                (f32.store (i32.add (local.get $cp) (i32.shl (local.get $n) (i32.const 2))) (local.get $sum))
                (local.set $n (i32.add (local.get $n) (i32.const 1)))
                (br $n1)))
            (local.set $m (i32.add (local.get $m) (i32.const 1)))
            (br $rows)))
        (local.set $a (i32.add (local.get $a) (i32.mul (local.get $M) (local.get $rowK))))
        (local.set $b (i32.add (local.get $b) (i32.mul (local.get $K) (local.get $rowN))))
        (local.set $c (i32.add (local.get $c) (i32.mul (local.get $M) (local.get $rowN))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $batches)))))
