package dev.tinytrain.ir.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tinytrain.ir.TinyGraphs;
import org.junit.jupiter.api.Test;

/** The printed form is a stable snapshot. */
class IrPrinterTest {

    @Test
    void printsATinyGraphExactly() {
        String expected = """
                graph "tiny" {
                  input %input : int8[1,6,6,3] nhwc q(0.00784313725490196,0)
                  param %c1.weight : int8[4,3,3,3] ohwi qc(axis=0,n=4) frozen
                  param %c1.bias : int32[4] row_major frozen
                  param %dw.weight : int8[1,3,3,4] depthwise qc(axis=3,n=4) frozen
                  param %dw.bias : int32[4] row_major frozen
                  param %pw.weight : int8[4,1,1,4] ohwi qc(axis=0,n=4) frozen
                  param %pw.bias : int32[4] row_major frozen
                  %c1 = conv2d(%input, %c1.weight, %c1.bias) {stride=1, pad=[1,1,1,1], groups=1, out=q(0.02,-128)} : int8[1,6,6,4] nhwc q(0.02,-128)
                  %dw = conv2d(%c1, %dw.weight, %dw.bias) {stride=1, pad=[1,1,1,1], groups=4, out=q(0.03,-128)} : int8[1,6,6,4] nhwc q(0.03,-128)
                  %pw = conv2d(%dw, %pw.weight, %pw.bias) {stride=1, pad=[0,0,0,0], groups=1, out=q(0.05,3)} : int8[1,6,6,4] nhwc q(0.05,3)
                  %add = add_q(%c1, %pw) {out=q(0.04,-2)} : int8[1,6,6,4] nhwc q(0.04,-2)
                  %pool = global_avg_pool(%add) : int8[1,1,1,4] nhwc q(0.04,-2)
                  return %pool
                }
                """;
        assertEquals(expected, IrPrinter.print(TinyGraphs.block()));
    }
}
