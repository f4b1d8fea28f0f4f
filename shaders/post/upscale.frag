#version 330 core
// One axis of the separable Lanczos-3 resize (x into an output-width x frame-height target,
// then y). Target pixel centre t maps to source coordinate u = (t - uOffset) / uScale, where
// source texel i's centre is at i + 0.5. Taps are normalised (a flat picture stays exactly
// flat) and clamped to the edge, or mirrored for the tile mode, so the border gets no bright
// or dark lines. Shrinking widens the kernel (no aliasing).
uniform sampler2D uSource;
uniform int uAxis;          // 0: along x (rows pass through), 1: along y
uniform float uScale;       // target pixels per source pixel along the axis
uniform float uOffset;      // target coordinate of the source's leading edge
uniform int uMode;          // 0: clamp to edge, 1: black outside (fit), 2: mirrored repeat
uniform int uFlip;          // 1: target rows bottom-up, source rows top-down
uniform float uTargetSize;  // along the axis (for the flip)
out vec4 outColor;

const float PI = 3.14159265358979;

float lanczos3(float x) {
    float ax = abs(x);
    if (ax < 1e-4) return 1.0;
    if (ax >= 3.0) return 0.0;
    float px = PI * x;
    return 3.0 * sin(px) * sin(px / 3.0) / (px * px);
}

int tap(int i, int n) {
    if (uMode != 2) return clamp(i, 0, n - 1);
    int m = i % (2 * n);
    if (m < 0) m += 2 * n;
    return m < n ? m : 2 * n - 1 - m;
}

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    float t = uAxis == 0 ? gl_FragCoord.x : gl_FragCoord.y;
    if (uFlip == 1) t = uTargetSize - t;
    float u = (t - uOffset) / uScale;
    int n = uAxis == 0 ? textureSize(uSource, 0).x : textureSize(uSource, 0).y;
    if (uMode == 1 && (u < 0.0 || u >= float(n))) {
        outColor = vec4(0.0, 0.0, 0.0, 1.0);
        return;
    }
    float f = clamp(uScale, 1.0 / 32.0, 1.0);
    float radius = 3.0 / f;
    int first = int(floor(u - radius));
    int last = int(ceil(u + radius));
    vec3 sum = vec3(0.0);
    float weights = 0.0;
    for (int i = first; i <= last; ++i) {
        float w = lanczos3((float(i) + 0.5 - u) * f);
        int j = tap(i, n);
        ivec2 q = uAxis == 0 ? ivec2(j, p.y) : ivec2(p.x, j);
        sum += w * texelFetch(uSource, q, 0).rgb;
        weights += w;
    }
    outColor = vec4(clamp(sum / weights, 0.0, 1.0), 1.0);
}
