#version 330 core
// One axis of the separable Lanczos-3 upscale (run for x, then for y). The target coordinate
// maps to the source through uScale/uOffset (fit, fill, stretch) or a mirrored repeat (tile);
// taps sit on texel centres, clamped to the edge, so the border has no bright or dark lines.
uniform sampler2D uFrame;
uniform vec2 uAxis;      // (1,0) or (0,1)
uniform float uScale;    // source units (0..1) per target unit along the axis
uniform float uOffset;   // source coordinate at target 0
uniform int uTile;       // 1: mirrored repeat; else black outside the source (letterbox)
uniform int uFlip;       // 1: the source is stored top row first (the generated frame)
in vec2 vUv;
out vec4 outColor;

const float PI = 3.14159265;

float lanczos(float x) {
    if (abs(x) < 1e-5) return 1.0;
    if (abs(x) >= 3.0) return 0.0;
    float px = PI * x;
    return 3.0 * sin(px) * sin(px / 3.0) / (px * px);
}

void main() {
    float t = dot(vUv, uAxis);
    float s = uOffset + t * uScale;
    if (uTile == 1) {
        s = abs(mod(s + 1.0, 2.0) - 1.0);  // mirrored: 0..1 then 1..0 ...
    } else if (s < 0.0 || s > 1.0) {
        outColor = vec4(0.0, 0.0, 0.0, 1.0);
        return;
    }
    if (uFlip == 1 && uAxis.y > 0.5) s = 1.0 - s;
    ivec2 size = textureSize(uFrame, 0);
    float n = dot(vec2(size), uAxis);
    float other = dot(vUv, vec2(1.0) - uAxis);  // the other axis: passed through
    float centre = s * n - 0.5;                  // in texel units, texel i's centre at i
    float base = floor(centre);
    vec3 sum = vec3(0.0);
    float weights = 0.0;
    for (int k = -2; k <= 3; ++k) {
        float i = base + float(k);
        float w = lanczos(centre - i);
        float c = (clamp(i, 0.0, n - 1.0) + 0.5) / n;
        vec2 uv = uAxis * c + (vec2(1.0) - uAxis) * other;
        sum += w * texture(uFrame, uv).rgb;
        weights += w;
    }
    outColor = vec4(clamp(sum / weights, 0.0, 1.0), 1.0);
}
