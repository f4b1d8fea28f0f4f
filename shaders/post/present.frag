#version 330 core
// The chain's output into the window: texel for pixel when the sizes match (uExact), else
// letterboxed with a linear filter.
uniform sampler2D uFrame;
uniform int uExact;
uniform vec2 uScale;  // the picture's share of the viewport per axis (<= 1)
in vec2 vUv;
out vec4 outColor;

void main() {
    if (uExact == 1) {
        outColor = vec4(texelFetch(uFrame, ivec2(vUv * vec2(textureSize(uFrame, 0))), 0).rgb, 1.0);
        return;
    }
    vec2 uv = (vUv - 0.5) / uScale + 0.5;
    bool inside = all(greaterThanEqual(uv, vec2(0.0))) && all(lessThanEqual(uv, vec2(1.0)));
    outColor = inside ? vec4(texture(uFrame, uv).rgb, 1.0) : vec4(0.0, 0.0, 0.0, 1.0);
}
