#version 330 core
// Unsharp mask: the picture plus `uAmount` times its difference from a 3x3 blur.
uniform sampler2D uFrame;
uniform float uAmount;
in vec2 vUv;
out vec4 outColor;

void main() {
    vec2 px = 1.0 / vec2(textureSize(uFrame, 0));
    vec3 c = texture(uFrame, vUv).rgb;
    vec3 blur = vec3(0.0);
    for (int y = -1; y <= 1; ++y)
        for (int x = -1; x <= 1; ++x) blur += texture(uFrame, vUv + vec2(x, y) * px).rgb;
    blur /= 9.0;
    outColor = vec4(clamp(c + uAmount * (c - blur), 0.0, 1.0), 1.0);
}
