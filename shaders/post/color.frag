#version 330 core
// Colour: hue turned about the grey axis, saturation about Rec. 709 luma, contrast about mid
// grey, brightness added. The identity at hue 0, saturation 1, contrast 1, brightness 0.
uniform sampler2D uFrame;
uniform mat3 uHue;  // rotation about the grey axis (the CPU builds it)
uniform float uSaturation;
uniform float uContrast;
uniform float uBrightness;
out vec4 outColor;

void main() {
    vec3 c = texelFetch(uFrame, ivec2(gl_FragCoord.xy), 0).rgb;
    c = uHue * c;
    float luma = dot(c, vec3(0.2126, 0.7152, 0.0722));
    c = mix(vec3(luma), c, uSaturation);
    c = (c - 0.5) * uContrast + 0.5 + uBrightness;
    outColor = vec4(clamp(c, 0.0, 1.0), 1.0);
}
