; Inno Setup 6 script: per-user installer of Carnet PETR, no administrator rights needed.
; Saved as UTF-8 with a BOM: Inno Setup reads a script without BOM in the ANSI code page (accents).
; Build dist\CarnetPETR\ first (pyinstaller packaging\carnet-petr.spec), then from the repository root:
;   iscc packaging\carnet-petr.iss
; (or iscc /DAppVersion=0.2.0 packaging\carnet-petr.iss). Output: dist\installer\CarnetPETR-<version>-setup.exe
; The user's data (database, backups, logs, settings) is NOT in the install folder: it lives in
; %LOCALAPPDATA%\RegionGrandEst\CarnetPETR (platformdirs) and is left in place by the uninstaller.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Carnet PETR"
#define AppExe "CarnetPETR.exe"
#define SourceDir "..\dist\CarnetPETR"

[Setup]
; A fixed AppId: keep it across versions so upgrades replace the previous install.
AppId={{8F3C2B6E-5A41-4C7D-9E2A-1B7F4D6C0A53}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Région Grand Est
DefaultDirName={localappdata}\Programs\Carnet PETR
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\dist\installer
OutputBaseFilename=CarnetPETR-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
; Refuse to install over a running Carnet PETR (the database would be in use).
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "french"; MessagesFile: "compiler:Languages\French.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole one-folder build: CarnetPETR.exe and _internal\ (Python, Qt, data files).
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; Files of a previous version that the new one no longer ships must not linger in _internal.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{autoprograms}\Désinstaller {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only the program folder; the user's data in %LOCALAPPDATA%\RegionGrandEst\CarnetPETR stays.
Type: filesandordirs; Name: "{app}"
