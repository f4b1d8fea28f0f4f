#version 330 core
// Hue rotation (turns), saturation, contrast about mid grey, brightness.
uniform sampler2D uFrame;
uniform float uHue;
uniform float uSaturation;
uniform float uContrast;
uniform float uBrightness;
in vec2 vUv;
out vec4 outColor;

vec3 hueRotate(vec3 c, float turns) {
    // Rodrigues rotation about the grey axis.
    float a = turns * 6.2831853;
    vec3 k = vec3(0.57735);
    return c * cos(a) + cross(k, c) * sin(a) + k * dot(k, c) * (1.0 - cos(a));
}

void main() {
    vec3 c = texture(uFrame, vUv).rgb;
    c = hueRotate(c, uHue);
    float grey = dot(c, vec3(0.2126, 0.7152, 0.0722));
    c = mix(vec3(grey), c, uSaturation);
    c = (c - 0.5) * uContrast + 0.5 + uBrightness;
    outColor = vec4(clamp(c, 0.0, 1.0), 1.0);
}
