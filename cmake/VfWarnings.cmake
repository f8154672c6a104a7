# Warnings every build gets; -Werror only through VF_WERROR (CI sets it).
set(VF_WARNINGS -Wall -Wextra -Wshadow -Wstrict-prototypes
    -Wmissing-prototypes -Wformat=2 -Wvla)
if(VF_WERROR)
  list(APPEND VF_WARNINGS -Werror)
endif()
add_feature_info(VF_WERROR VF_WERROR "warnings are errors")

if(VF_SANITIZE)
  add_compile_options(-fsanitize=${VF_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${VF_SANITIZE})
endif()
add_feature_info(VF_SANITIZE VF_SANITIZE "sanitizers: ${VF_SANITIZE}")
