#version 330 core
// An example user stage: scanlines that deepen on beats and with the bass. The leading '_'
// keeps it off; rename it to scanlines.frag to use it (README.md lists every uniform).
uniform sampler2D uFrame;
uniform vec2 uResolution;
uniform float uBass;
uniform float uBeatEnv;
in vec2 vUv;
out vec4 outColor;

void main() {
    vec3 c = texture(uFrame, vUv).rgb;
    float line = 0.5 + 0.5 * sin(vUv.y * uResolution.y * 3.14159265);
    outColor = vec4(c * mix(1.0, line, 0.3 + 0.3 * uBeatEnv + 0.2 * uBass), 1.0);
}
